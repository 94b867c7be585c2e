/**
 * Connecting to PostgreSQL with postgres.js: one place that turns every failure to connect
 * (refused, unknown host, auth, missing database) into exit 4 with a message naming the
 * environment, never the password; and that waits for a database still starting (`--wait-for-db`).
 */
import postgres from 'postgres';
import { DbctlError } from '../errors.js';
import { describeUrl } from '../core/url.js';

/** An open connection pool and the facts dbctl read on connecting. */
export interface Database {
  sql: postgres.Sql;
  /** Backend pid of the first connection (the only one when max is 1). */
  pid: number;
  serverVersion: string;
  serverVersionNum: number;
  database: string;
  user: string;
  close(): Promise<void>;
}

/** How to connect. */
export interface ConnectOptions {
  envName: string;
  /** Shown in pg_stat_activity.application_name. */
  application: string;
  /** Connections in the pool; 1 keeps everything (advisory lock, migrations) on one backend. */
  max?: number;
  /** Keep retrying a database that is not up yet for this long (ms). */
  waitForDbMs?: number;
  /** Called before each retry while waiting for the database. */
  onWait?: (message: string) => void;
  /** Session settings sent at connection start. */
  settings?: Record<string, string>;
}

const TRANSIENT = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH',
  'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'EPIPE',
  '57P03', // the database system is starting up
]);

/** Opens a pool and checks it answers; throws DB_UNREACHABLE (exit 4) when it cannot. */
export async function connect(url: string, options: ConnectOptions): Promise<Database> {
  const deadline = Date.now() + (options.waitForDbMs ?? 0);
  let delay = 200;
  for (let attempt = 1; ; attempt++) {
    const sql = postgres(url, {
      max: options.max ?? 1,
      idle_timeout: 0,
      connect_timeout: 10,
      onnotice: () => {},
      connection: { application_name: options.application, ...options.settings },
    });
    try {
      const [facts] = await sql<{ pid: number; version: string; num: string; db: string; usr: string }[]>`
        select pg_backend_pid() as pid, current_setting('server_version') as version,
               current_setting('server_version_num') as num, current_database() as db, current_user as usr`;
      return {
        sql,
        pid: facts!.pid,
        serverVersion: facts!.version,
        serverVersionNum: Number(facts!.num),
        database: facts!.db,
        user: facts!.usr,
        close: () => sql.end({ timeout: 5 }),
      };
    } catch (error) {
      await sql.end({ timeout: 0 }).catch(() => {});
      const code = errorCode(error);
      if (code && TRANSIENT.has(code) && Date.now() + delay < deadline) {
        options.onWait?.(`database for "${options.envName}" not reachable yet (${reason(error)}); retrying (attempt ${attempt})`);
        await sleep(delay);
        delay = Math.min(Math.round(delay * 1.5), 2000);
        continue;
      }
      throw connectionError(error, options.envName, url, options.waitForDbMs);
    }
  }
}

/** The driver's or server's error code (`ECONNREFUSED`, `28P01`, ...), if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when an error means the connection itself failed (not a SQL error). */
export function isConnectionFailure(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && (TRANSIENT.has(code) || code === '28P01' || code === '28000' || code === '3D000');
}

function reason(error: unknown): string {
  const code = errorCode(error);
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'host not found';
    case 'ETIMEDOUT': case 'CONNECT_TIMEOUT': return 'connection timed out';
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'host unreachable';
    case '28P01': case '28000': return 'authentication failed';
    case '3D000': return 'database does not exist';
    case '57P03': return 'the database is starting up';
    default: return (error as Error)?.message ?? String(error);
  }
}

/** Builds the exit-4 error for a failed connection. */
export function connectionError(error: unknown, envName: string, url: string, waitedMs?: number): DbctlError {
  const code = errorCode(error);
  const where = describeUrl(url);
  const hint =
    code === '28P01' || code === '28000'
      ? `check the user and password of the "${envName}" url`
      : code === '3D000'
        ? `create the database, or fix the database name in the "${envName}" url`
        : waitedMs
          ? `the database did not accept connections within the wait; check it is running, or raise --wait-for-db`
          : `check the database is running and the host/port are right; in a container entrypoint add --wait-for-db 60s`;
  return new DbctlError('DB_UNREACHABLE', `cannot connect to the "${envName}" database (${where}): ${reason(error)}`, {
    hint,
    cause: error,
  });
}

/** Promise-based sleep. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
