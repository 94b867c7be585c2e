/**
 * The two tables migrate keeps: drizzle's own `__drizzle_migrations` (rows exactly as drizzle-orm
 * writes them, so drizzle-kit and dbctl can be used on one database interchangeably) and dbctl's
 * history (every attempt, with outcome, timing, error, backup, who and where).
 */
import type postgres from 'postgres';
import type { DrizzleRow, HistoryLatest, HistoryOutcome } from '../core/plan.js';
import { DbctlError } from '../errors.js';

/** Where the two tables live. */
export interface HistoryTables {
  drizzleSchema: string;
  drizzleTable: string;
  historySchema: string;
  /** Scrubs secrets (the run's passwords) from what history rows store: the error's message and statement. */
  redact?: (text: string) => string;
  /**
   * drizzle's table has drizzle-orm 1.0's `name` and `applied_at` columns, and each applied
   * migration's row gets its `name` (the folder name), as drizzle-orm 1.0 writes it. Set by
   * `ensureHistoryTables` for a drizzle-kit 1.0 folder.
   */
  drizzleNames?: boolean;
}

/** What `ensureHistoryTables` needs of the folder to give drizzle's table drizzle-orm 1.0's shape. */
export interface DrizzleTableFolder {
  /** `folders` (drizzle-kit 1.0): the table gets 1.0's shape; otherwise 0.31's is kept. */
  format?: 'journal' | 'folders';
  migrations: readonly { tag: string; hash: string; when: number }[];
}

/** Quotes an identifier for SQL text. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"` of drizzle's table. */
export function drizzleTableName(tables: HistoryTables): string {
  return `${quoteIdent(tables.drizzleSchema)}.${quoteIdent(tables.drizzleTable)}`;
}

function historyTableName(tables: HistoryTables): string {
  return `${quoteIdent(tables.historySchema)}.migration_history`;
}

/** The key scoping history rows to one drizzle table (several apps may share a database). */
function scopeKey(tables: HistoryTables): string {
  return `${tables.drizzleSchema}.${tables.drizzleTable}`;
}

/** Reads drizzle's rows (with drizzle-orm 1.0's `name` where the table has it); an absent table means nothing was applied. Read-only. */
export async function readDrizzleRows(sql: postgres.Sql, tables: HistoryTables): Promise<DrizzleRow[]> {
  const [exists] = await sql<{ oid: string | null }[]>`select to_regclass(${drizzleTableName(tables)})::text as oid`;
  if (!exists?.oid) return [];
  // `name` (drizzle-orm 1.0's column) read through the row's JSON, so one query reads both shapes
  const rows = await sql.unsafe<{ id: number; hash: string; created_at: string | null; name: string | null }[]>(
    `select t.id, t.hash, t.created_at, to_jsonb(t)->>'name' as name from ${drizzleTableName(tables)} t order by t.id`,
  );
  return rows.map((r) => ({ id: r.id, hash: r.hash, createdAt: r.created_at === null ? null : Number(r.created_at), name: r.name }));
}

/** Reads the newest history row per tag; an absent table means no history. Read-only. */
export async function readHistoryLatest(sql: postgres.Sql, tables: HistoryTables): Promise<Map<string, HistoryLatest>> {
  const [exists] = await sql<{ oid: string | null }[]>`select to_regclass(${historyTableName(tables)})::text as oid`;
  if (!exists?.oid) return new Map();
  const rows = await sql.unsafe<{ tag: string; hash: string; outcome: HistoryOutcome; finished_at: Date | null; error: string | null }[]>(
    // rows written before 0.1.1 hold the error as a JSON string of the object
    `select distinct on (tag) tag, hash, outcome, finished_at,
            case jsonb_typeof(error) when 'string' then (error #>> '{}')::jsonb ->> 'message' else error ->> 'message' end as error
       from ${historyTableName(tables)} where migrations_table = $1 order by tag, id desc`,
    [scopeKey(tables)],
  );
  return new Map(
    rows.map((r) => [
      r.tag,
      { tag: r.tag, hash: r.hash, outcome: r.outcome, finishedAt: r.finished_at?.toISOString() ?? null, error: r.error },
    ]),
  );
}

/**
 * Creates drizzle's table (exactly as drizzle-orm does) and dbctl's history table if absent. With
 * a drizzle-kit 1.0 folder, drizzle's table is drizzle-orm 1.0's (`name`, `applied_at`), and an
 * existing 0.x table is upgraded as drizzle-orm 1.0's migrator upgrades it (see
 * `ensureDrizzleTableV1`); `tables.drizzleNames` is set then. Call it under the migration lock.
 */
export async function ensureHistoryTables(sql: postgres.Sql, tables: HistoryTables, folder?: DrizzleTableFolder): Promise<void> {
  await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(tables.drizzleSchema)}`);
  if (folder?.format === 'folders') {
    await ensureDrizzleTableV1(sql, tables, folder.migrations);
    tables.drizzleNames = true;
  } else {
    await sql.unsafe(`
			CREATE TABLE IF NOT EXISTS ${drizzleTableName(tables)} (
				id SERIAL PRIMARY KEY,
				hash text NOT NULL,
				created_at bigint
			)
		`);
  }
  await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(tables.historySchema)}`);
  await sql.unsafe(`
    CREATE TABLE IF NOT EXISTS ${historyTableName(tables)} (
      id bigserial PRIMARY KEY,
      migrations_table text NOT NULL,
      tag text NOT NULL,
      hash text NOT NULL,
      created_at bigint NOT NULL,
      outcome text NOT NULL CHECK (outcome IN ('applied', 'failed', 'rolled-back', 'resolved-applied', 'resolved-rolled-back')),
      out_of_order boolean NOT NULL DEFAULT false,
      started_at timestamptz NOT NULL,
      finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      duration_ms integer,
      statements_total integer,
      statements_done integer,
      error jsonb,
      backup_id text,
      env text,
      dbctl_version text NOT NULL,
      run_by text NOT NULL DEFAULT current_user,
      hostname text
    )`);
  await sql.unsafe(`CREATE INDEX IF NOT EXISTS migration_history_tag_idx ON ${historyTableName(tables)} (migrations_table, tag, id)`);
}

/**
 * drizzle-orm 1.0's migrations table: created as its migrator creates it, or, when a 0.x table
 * (id, hash, created_at) exists, upgraded as its `upgradeIfNeeded` does: every row matched to a
 * local migration (by `created_at` truncated to the second, the same second shared by several
 * decided by hash, else by hash alone), then in one transaction the `name` and `applied_at` columns
 * added and each row's `name` set (its `applied_at` NULL: unknown). A row that matches no local
 * migration stops the upgrade before anything changes, as drizzle-orm's does.
 */
async function ensureDrizzleTableV1(sql: postgres.Sql, tables: HistoryTables, local: DrizzleTableFolder['migrations']): Promise<void> {
  const table = drizzleTableName(tables);
  const columns = await sql<{ column_name: string }[]>`
    SELECT a.attname AS column_name FROM pg_catalog.pg_attribute a
      JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE a.attnum > 0 AND NOT a.attisdropped AND n.nspname = ${tables.drizzleSchema} AND c.relname = ${tables.drizzleTable}`;
  if (columns.length === 0) {
    await sql.unsafe(`
			CREATE TABLE IF NOT EXISTS ${table} (
				id SERIAL PRIMARY KEY,
				hash text NOT NULL,
				created_at bigint,
				name text,
				applied_at timestamp with time zone DEFAULT now()
			)
		`);
    return;
  }
  if (columns.some((c) => c.column_name === 'name')) return;
  const rows = await sql.unsafe<{ id: number; hash: string; created_at: string | null }[]>(
    `SELECT id, hash, created_at FROM ${table} ORDER BY id ASC`,
  );
  const sorted = [...local].sort((a, b) => (a.when !== b.when ? a.when - b.when : a.tag.localeCompare(b.tag)));
  const byMillis = new Map<number, typeof sorted>();
  const byHash = new Map<string, (typeof sorted)[number]>();
  for (const m of sorted) {
    byMillis.set(m.when, [...(byMillis.get(m.when) ?? []), m]);
    byHash.set(m.hash, m);
  }
  const names: { id: number; name: string }[] = [];
  const unmatched: number[] = [];
  for (const row of rows) {
    const text = String(row.created_at);
    const millis = Number(`${text.slice(0, text.length - 3)}000`);
    const candidates = byMillis.get(millis);
    const matched =
      candidates && candidates.length === 1
        ? candidates[0]
        : candidates && candidates.length > 1
          ? candidates.find((c) => c.hash === row.hash)
          : byHash.get(row.hash);
    if (matched) names.push({ id: row.id, name: matched.tag });
    else unmatched.push(row.id);
  }
  if (unmatched.length > 0) {
    throw new DbctlError(
      'HISTORY_MISMATCH',
      `${table} has ${unmatched.length} row${unmatched.length === 1 ? '' : 's'} (id ${unmatched.join(', ')}) matching no migration in the folder, so it cannot be upgraded to drizzle-orm 1.0's shape`,
      {
        hint: 'restore the missing migrations from git (or run `drizzle-kit up` on the journal folder that applied them), then run dbctl migrate again',
      },
    );
  }
  await sql.begin(async (tx) => {
    await tx.unsafe(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS "name" text`);
    await tx.unsafe(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS "applied_at" timestamp with time zone DEFAULT now()`);
    for (const { id, name } of names) await tx.unsafe(`UPDATE ${table} SET "name" = $1, "applied_at" = NULL WHERE "id" = $2`, [name, id]);
  });
}

/** One attempt to record in dbctl's history. */
export interface HistoryRecord {
  tag: string;
  hash: string;
  createdAt: number;
  outcome: HistoryOutcome;
  outOfOrder: boolean;
  startedAt: Date;
  durationMs: number | null;
  statementsTotal: number | null;
  statementsDone: number | null;
  error: { statement?: string; message: string; code?: string } | null;
  backupId: string | null;
  env: string;
  dbctlVersion: string;
  hostname: string;
}

function historyParams(tables: HistoryTables, r: HistoryRecord): (string | number | boolean | Date | null)[] {
  return [
    scopeKey(tables),
    r.tag,
    r.hash,
    r.createdAt,
    r.outcome,
    r.outOfOrder,
    r.startedAt,
    r.durationMs,
    r.statementsTotal,
    r.statementsDone,
    r.error === null ? null : storedError(tables, r.error),
    r.backupId,
    r.env,
    r.dbctlVersion,
    r.hostname,
  ];
}

/** The error as stored (jsonb text), secrets scrubbed in every form they may take in JSON. */
function storedError(tables: HistoryTables, error: NonNullable<HistoryRecord['error']>): string {
  const text = JSON.stringify(error);
  return tables.redact ? tables.redact(text) : text;
}

const HISTORY_COLUMNS =
  'migrations_table, tag, hash, created_at, outcome, out_of_order, started_at, duration_ms, statements_total, statements_done, error, backup_id, env, dbctl_version, hostname';
// $11 is JSON text: cast through text so the driver sends it as is (typed jsonb, it would encode the text again)
const HISTORY_VALUES = '$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text::jsonb, $12, $13, $14, $15';

/** Writes a history row only (a failed or rolled-back attempt, a resolution). */
export async function recordHistory(
  sql: postgres.Sql | postgres.TransactionSql,
  tables: HistoryTables,
  record: HistoryRecord,
): Promise<void> {
  await sql.unsafe(
    `INSERT INTO ${historyTableName(tables)} (${HISTORY_COLUMNS}) VALUES (${HISTORY_VALUES})`,
    historyParams(tables, record) as never[],
  );
}

/**
 * Records an applied migration: drizzle's row (hash, created_at = journal `when`, and with
 * `tables.drizzleNames` the name = tag, as drizzle-orm writes it) and dbctl's history row, in one round trip (a prepared statement), inside the
 * caller's transaction. Both rows are written only if this backend holds the migration lock
 * (`lockKeys`); returns false when it does not (a transaction-mode pooler), so the caller rolls back.
 */
export async function recordApplied(
  sql: postgres.Sql | postgres.TransactionSql,
  tables: HistoryTables,
  record: HistoryRecord,
  lockKeys: readonly [number, number],
  session?: { pid: number; token: string },
): Promise<boolean> {
  const [k1, k2] = lockKeys;
  // With the session the lock was taken on (pid + marker), a pooled backend shared with another
  // client never passes the guard, even one that happens to hold the lock.
  const result = await sql.unsafe(
    `WITH guard AS (
       SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
          AND classid = $16::int::oid AND objid = $17::int::oid AND objsubid = 2
          AND ($18::int IS NULL OR pg_backend_pid() = $18::int)
          AND ($19::text IS NULL OR current_setting('dbctl.session', true) = $19::text)),
     drizzle_row AS (INSERT INTO ${drizzleTableName(tables)} ${tables.drizzleNames ? '("hash", "created_at", "name") SELECT $3, $4, $2' : '("hash", "created_at") SELECT $3, $4'} FROM guard RETURNING id)
     INSERT INTO ${historyTableName(tables)} (${HISTORY_COLUMNS}) SELECT ${HISTORY_VALUES} FROM guard`,
    [...historyParams(tables, record), k1, k2, session?.pid ?? null, session?.token ?? null] as never[],
    { prepare: true },
  );
  return result.count === 1;
}

/**
 * After the connection was lost while `record`'s migration ran: on a new connection (the pool
 * reconnects), tells whether the migration committed after all (drizzle's row for its hash is
 * there) and, when it did not, records the attempt. Never throws: a database still out of reach
 * gives `{ committed: null, recorded: false }`.
 */
export async function recordAfterConnectionLoss(
  sql: postgres.Sql,
  tables: HistoryTables,
  record: HistoryRecord,
): Promise<{ committed: boolean | null; recorded: boolean }> {
  // the first attempts may still land on the dying connection: a few tries, a moment apart
  for (let attempt = 1; attempt <= 4; attempt++) {
    try {
      const result = await sql.unsafe<{ committed: boolean }[]>(
        `WITH done AS (SELECT EXISTS (SELECT 1 FROM ${drizzleTableName(tables)} WHERE hash = $3 AND created_at = $4) AS committed),
         recorded AS (INSERT INTO ${historyTableName(tables)} (${HISTORY_COLUMNS}) SELECT ${HISTORY_VALUES} FROM done WHERE NOT committed RETURNING 1)
         SELECT committed, (SELECT count(*) FROM recorded)::int AS n FROM done`,
        historyParams(tables, record) as never[],
      );
      const row = result[0] as unknown as { committed: boolean; n: number } | undefined;
      return { committed: Boolean(row?.committed), recorded: (row?.n ?? 0) > 0 };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 150 * attempt));
    }
  }
  return { committed: null, recorded: false };
}
