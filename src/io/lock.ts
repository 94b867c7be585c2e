/**
 * The migration lock: a session-level Postgres advisory lock held on migrate's own dedicated
 * connection for the whole run, so replicas starting together apply each migration exactly once.
 * Also detects a transaction-mode pooler (PgBouncer), where a session lock silently does not hold.
 */
import { createHash } from 'node:crypto';
import type postgres from 'postgres';
import { DbctlError } from '../errors.js';
import { sleep } from './db.js';

/** First key of every dbctl advisory lock ("dbct" as a 32-bit integer). */
const LOCK_NAMESPACE = 0x64626374;

/** The two int4 keys of the lock for one drizzle migrations table. */
export function lockKeys(scope: string): [number, number] {
  return [LOCK_NAMESPACE, createHash('sha256').update(`dbctl:migrate:${scope}`).digest().readInt32BE(0)];
}

/** Who holds the lock, as far as pg_stat_activity shows. */
interface LockHolder {
  pid: number;
  application_name: string | null;
  client_addr: string | null;
  since: string | null;
}

/**
 * Takes the lock, polling until `waitMs` runs out (then LOCK_TIMEOUT, exit 5, naming the holder).
 * `onWaiting` is called once when another run holds the lock.
 */
export async function acquireMigrationLock(
  sql: postgres.Sql,
  scope: string,
  options: { waitMs: number; onWaiting?: (holder: string) => void },
): Promise<void> {
  const [k1, k2] = lockKeys(scope);
  const deadline = Date.now() + options.waitMs;
  let told = false;
  let delay = 50;
  for (;;) {
    const [row] = await sql<{ ok: boolean }[]>`select pg_try_advisory_lock(${k1}::int, ${k2}::int) as ok`;
    if (row?.ok) break;
    const holder = await describeHolder(sql, k1, k2);
    if (!told) {
      options.onWaiting?.(holder);
      told = true;
    }
    if (Date.now() >= deadline) {
      throw new DbctlError('LOCK_TIMEOUT', `another dbctl migrate (${holder}) held the migration lock for longer than the wait`, {
        hint: 'let it finish and run `dbctl migrate` again, or raise --wait',
      });
    }
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    delay = Math.min(delay * 2, 500);
  }
  await assertLockHeld(sql, scope);
}

/**
 * Checks, from a separate statement, that this backend still holds the lock. Under a
 * transaction-mode pooler the statement lands on another backend and the check fails.
 */
export async function assertLockHeld(sql: postgres.Sql | postgres.TransactionSql, scope: string): Promise<void> {
  const [k1, k2] = lockKeys(scope);
  const [row] = await sql<{ held: boolean }[]>`
    select exists (select 1 from pg_locks where locktype = 'advisory' and granted and pid = pg_backend_pid()
                    and classid = ${k1}::int::oid and objid = ${k2}::int::oid and objsubid = 2) as held`;
  if (!row?.held) throw lockNotHeld();
}

/** The error for a lock that does not hold on this connection. */
export function lockNotHeld(): DbctlError {
  return new DbctlError(
    'LOCK_NOT_HELD',
    'the migration lock is not held by the connection running migrations: the url points at a transaction-mode pooler (PgBouncer) or the connection was reset',
    { hint: 'point dbctl at the database directly (or at a session-mode pool) and run `dbctl migrate` again' },
  );
}

/** Releases the lock (closing the connection releases it too). */
export async function releaseMigrationLock(sql: postgres.Sql, scope: string): Promise<void> {
  const [k1, k2] = lockKeys(scope);
  await sql`select pg_advisory_unlock(${k1}::int, ${k2}::int)`;
}

async function describeHolder(sql: postgres.Sql, k1: number, k2: number): Promise<string> {
  const [holder] = await sql<LockHolder[]>`
    select a.pid, a.application_name, a.client_addr::text as client_addr, to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS') as since
      from pg_locks l join pg_stat_activity a on a.pid = l.pid
     where l.locktype = 'advisory' and l.granted and l.classid = ${k1}::int::oid and l.objid = ${k2}::int::oid and l.objsubid = 2
     limit 1`;
  if (!holder) return 'another run';
  return `pid ${holder.pid}${holder.application_name ? `, ${holder.application_name}` : ''}${holder.client_addr ? ` from ${holder.client_addr}` : ''}${holder.since ? `, connected since ${holder.since}` : ''}`;
}
