/**
 * Connecting to PostgreSQL with postgres.js: one place that turns every failure to connect
 * (refused, unknown host, auth, missing database) into exit 4 with a message naming the
 * environment, never the password; and that waits for a database still starting (`--wait-for-db`).
 */
import { userInfo } from 'node:os';
import type postgres from 'postgres';
import { DbctlError } from '../errors.js';
import {
  describeTarget,
  describeUrl,
  resolveConnection,
  serverMismatch,
  UrlProblem,
  type ConnectionTarget,
  type ServerFacts,
} from '../core/url.js';
import type { ResolvedEnvironment } from '../config/types.js';
import { targetReasons } from '../config/protection.js';

/** An open connection pool and the facts dbctl read on connecting. */
export interface Database {
  sql: postgres.Sql;
  /** Backend pid of the first connection (the only one when max is 1). */
  pid: number;
  serverVersion: string;
  serverVersionNum: number;
  database: string;
  user: string;
  /** What the server says of itself: checked against what the guards judged. */
  server: ServerFacts;
  close(): Promise<void>;
}

/**
 * Where to connect: an environment resolved by config (its `connection` is used, and the server's
 * own facts are checked against it and against `protect.hosts`), or a bare url (resolved here with
 * the process environment, checked against its own resolution).
 */
export type ConnectTo = string | Pick<ResolvedEnvironment, 'name' | 'connection' | 'protected' | 'protectHosts'>;

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
  /** Called when a connection of the pool closes (a lost session: its locks and settings are gone). */
  onClose?: () => void;
  /** Stops the attempts (and `--wait-for-db`'s retries); the call then rejects with the signal's reason. */
  signal?: AbortSignal;
}

const TRANSIENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'EPIPE',
  '57P03', // the database system is starting up
]);

/** The OS user name (the driver's default user), or undefined when the OS cannot tell. */
export function osUsername(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/** Resolves a bare url with the process environment, as a config url would be. */
function targetOf(to: ConnectTo): ConnectionTarget {
  if (typeof to !== 'string') return to.connection;
  try {
    return resolveConnection(to, process.env, osUsername());
  } catch (error) {
    if (error instanceof UrlProblem)
      throw new DbctlError('USAGE', `the database url ${error.message}`, { hint: 'fix the url and run the command again' });
    throw error;
  }
}

/**
 * postgres.js options built from the one resolution only: every setting the driver would
 * otherwise read from the url or the `PG*` variables is given explicitly.
 */
export function driverOptions(
  target: ConnectionTarget,
  extra: { max?: number; application: string; settings?: Record<string, string>; connectTimeoutS?: number; idleTimeoutS?: number },
): postgres.Options<{}> {
  const ssl =
    target.ssl === undefined
      ? false
      : target.ssl === 'verify-ca'
        ? { rejectUnauthorized: true, checkServerIdentity: () => undefined }
        : target.ssl;
  return {
    // postgres.js takes host and port lists at run time (its multi-host support), though typed as one
    host: target.hosts as unknown as string,
    port: target.ports as unknown as number,
    ...(target.socket ? { path: `${target.hosts[0]}/.s.PGSQL.${target.ports[0]}` } : {}),
    database: target.database,
    user: target.user,
    pass: target.password ?? '',
    ssl: ssl as postgres.Options<{}>['ssl'],
    ...{ sslnegotiation: target.sslNegotiation ?? null },
    max: extra.max ?? 1,
    idle_timeout: extra.idleTimeoutS ?? 0,
    connect_timeout: target.connectTimeoutS ?? extra.connectTimeoutS ?? 10,
    prepare: target.prepare ?? true,
    target_session_attrs: (target.targetSessionAttrs ?? null) as never,
    debug: false,
    fetch_types: true,
    publications: 'alltables',
    keep_alive: 60,
    ...{ max_pipeline: 100 },
    onnotice: () => {},
    connection: { ...target.startup, application_name: extra.application, ...extra.settings },
  };
}

/**
 * Opens a pool and checks it answers; throws DB_UNREACHABLE (exit 4) when it cannot, and
 * TARGET_MISMATCH (exit 3) when the server's own database or user is not what was judged, or its
 * address is a protected host the guards did not know of. No extra round trip: the check reads
 * the facts query every connection runs anyway.
 */
export async function connect(to: ConnectTo, options: ConnectOptions): Promise<Database> {
  const target = targetOf(to);
  const deadline = Date.now() + (options.waitForDbMs ?? 0);
  let delay = 200;
  // loaded here, not at the top: commands that connect only with --env (review, check) start without it
  const { default: open } = await import('postgres');
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    const sql = open({
      ...driverOptions(target, {
        max: options.max ?? 1,
        application: options.application,
        ...(options.settings ? { settings: options.settings } : {}),
      }),
      // never recycled by the driver: a session lock (migrate's) must live as long as the run
      max_lifetime: 0,
      ...(options.onClose ? { onclose: options.onClose } : {}),
    });
    let facts:
      | { pid: number; version: string; num: string; db: string; usr: string; susr: string; addr: string | null; port: number | null }
      | undefined;
    // an abort is honoured between attempts and once this one has finished, never in its middle:
    // postgres.js ended during its handshake throws from a callback (`write CONNECTION_DESTROYED`)
    try {
      [facts] = await sql<NonNullable<typeof facts>[]>`
        select pg_backend_pid() as pid, current_setting('server_version') as version,
               current_setting('server_version_num') as num, current_database() as db, current_user as usr,
               session_user as susr, host(inet_server_addr()) as addr, inet_server_port() as port`;
    } catch (error) {
      await sql.end({ timeout: 0 }).catch(() => {});
      options.signal?.throwIfAborted();
      const code = errorCode(error);
      if (code && TRANSIENT.has(code) && !tlsProblem(error) && Date.now() + delay < deadline) {
        options.onWait?.(`database for "${options.envName}" not reachable yet (${reason(error)}); retrying (attempt ${attempt})`);
        await sleep(delay, options.signal);
        delay = Math.min(Math.round(delay * 1.5), 2000);
        continue;
      }
      throw connectionError(error, options.envName, target, options.waitForDbMs);
    }
    if (options.signal?.aborted) {
      await sql.end({ timeout: 0 }).catch(() => {});
      options.signal.throwIfAborted();
    }
    const server: ServerFacts = {
      database: facts!.db,
      sessionUser: facts!.susr,
      currentUser: facts!.usr,
      address: facts!.addr,
      port: facts!.port,
    };
    const refusal = identityRefusal(to, target, server, options.envName);
    if (refusal) {
      await sql.end({ timeout: 0 }).catch(() => {});
      throw refusal;
    }
    return {
      sql,
      pid: facts!.pid,
      serverVersion: facts!.version,
      serverVersionNum: Number(facts!.num),
      database: facts!.db,
      user: facts!.usr,
      server,
      close: () => sql.end({ timeout: 5 }),
    };
  }
}

/** The TARGET_MISMATCH error when the server reached is not the one judged; undefined when it is. */
function identityRefusal(to: ConnectTo, target: ConnectionTarget, server: ServerFacts, envName: string): DbctlError | undefined {
  const judged = describeTarget(target);
  const reached = `database "${server.database}" as user "${server.sessionUser}"${server.address ? ` at ${server.address}:${server.port}` : ' over a unix socket'}`;
  const mismatch = serverMismatch(target, server);
  if (mismatch) {
    return new DbctlError(
      'TARGET_MISMATCH',
      `refused: the "${envName}" url was judged as ${judged} (database from ${target.databaseFrom}), but the server reached is ${reached}: ${mismatch}; nothing was run`,
      {
        hint: 'make the url name the database and user the server really serves (query parameters such as ?database= and PG* variables count), or connect to the server directly (directUrl)',
      },
    );
  }
  if (typeof to !== 'string' && !to.protected && server.address) {
    const reasons = targetReasons({ hosts: [server.address], database: server.database }, to.protectHosts);
    if (reasons.length > 0) {
      return new DbctlError(
        'TARGET_MISMATCH',
        `refused: the "${envName}" url was judged unprotected as ${judged}, but the server reached is ${reached}, which is protected (${reasons.join('; ')}); nothing was run`,
        {
          hint: 'use an environment that is protected for this server, or fix the url',
        },
      );
    }
  }
  return undefined;
}

/** The driver's or server's error code (`ECONNREFUSED`, `28P01`, ...), if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when an error means the connection itself failed (not a SQL error). */
export function isConnectionFailure(error: unknown): boolean {
  const code = errorCode(error);
  return (
    (code !== undefined && (TRANSIENT.has(code) || code === '28P01' || code === '28000' || code === '3D000')) || isConnectionLoss(error)
  );
}

/**
 * Server and driver codes of an established connection that went away: terminated backend
 * (57P01), server crash or restart (57P02, 57P03), connection exceptions (08xxx), the socket
 * closed or reset under the driver.
 */
const LOST = new Set([
  '57P01',
  '57P02',
  '57P03',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNREFUSED',
]);

/** True when an error means an open connection was lost (not a SQL error of the statement). */
export function isConnectionLoss(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && (LOST.has(code) || code.startsWith('08'));
}

/** One short reason for a lost connection, for messages. */
export function lossReason(error: unknown): string {
  const code = errorCode(error);
  switch (code) {
    case '57P01':
      return 'the server terminated the session (pg_terminate_backend or shutdown)';
    case '57P02':
    case '57P03':
      return 'the server restarted';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'CONNECTION_CLOSED':
    case 'CONNECTION_ENDED':
    case 'CONNECTION_DESTROYED':
      return 'the connection was closed (server restart, terminated session, pooler or network drop)';
    default:
      return (error as Error)?.message ?? String(error);
  }
}

/**
 * `sql.begin` that survives a lost connection. postgres.js answers a failed transaction with a
 * ROLLBACK on the same connection; when that connection is already closed the write crashes the
 * process from a timer (`TypeError: Cannot read properties of null (reading 'write')`). Here a
 * connection loss inside `fn` parks the transaction scope (the server rolled it back anyway) and
 * the loss is thrown to the caller instead.
 */
export async function beginSafely<T>(sql: postgres.Sql, fn: (tx: postgres.TransactionSql) => Promise<T>, mode = ''): Promise<T> {
  let signal: (error: unknown) => void = () => {};
  const lost = new Promise<never>((_, reject) => (signal = reject));
  const body = async (tx: postgres.TransactionSql): Promise<T> => {
    try {
      return await fn(tx);
    } catch (error) {
      if (!isConnectionLoss(error)) throw error;
      signal(error);
      return await new Promise<never>(() => {});
    }
  };
  const run = mode ? (sql.begin(mode, body) as Promise<T>) : (sql.begin(body) as Promise<T>);
  run.catch(() => {});
  lost.catch(() => {});
  return await Promise.race([run, lost]);
}

/**
 * A TLS mismatch between client and server, told apart from a wrong password or a dead server:
 * `required` when the server (or pooler) refused an unencrypted connection (PgBouncer's
 * "SSL required", PostgreSQL's pg_hba "no encryption"/"SSL off"), `refused` when the url asked
 * for TLS and the server does not speak it (it answers the SSL request with "no" and the TLS
 * handshake is cut).
 */
export function tlsProblem(error: unknown): 'required' | 'refused' | undefined {
  const code = errorCode(error);
  const message = (error as Error)?.message ?? '';
  if (
    (code === '08P01' || code === '28000' || code === '28P01') &&
    /SSL required|SSL off|no encryption|requires? (SSL|TLS)|SSL connection is required/i.test(message)
  ) {
    return 'required';
  }
  if (
    /before secure TLS connection was established|wrong version number|SSL routines|packet length too long/i.test(message) ||
    code === 'EPROTO'
  ) {
    return 'refused';
  }
  return undefined;
}

function reason(error: unknown): string {
  const tls = tlsProblem(error);
  if (tls === 'required') return 'the server requires TLS';
  if (tls === 'refused') return 'the server does not accept TLS';
  const code = errorCode(error);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
    case 'CONNECT_TIMEOUT':
      return 'connection timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case '28P01':
    case '28000':
      return 'authentication failed';
    case '3D000':
      return 'database does not exist';
    case '57P03':
      return 'the database is starting up';
    default:
      return (error as Error)?.message ?? String(error);
  }
}

/** Builds the exit-4 error for a failed connection. */
export function connectionError(error: unknown, envName: string, url: string | ConnectionTarget, waitedMs?: number): DbctlError {
  const code = errorCode(error);
  const where = typeof url === 'string' ? describeUrl(url) : describeTarget(url);
  const tls = tlsProblem(error);
  const hint =
    tls === 'required'
      ? `add sslmode=require to the "${envName}" url (or sslmode=verify-full with the server's CA)`
      : tls === 'refused'
        ? `remove sslmode from the "${envName}" url (or sslmode=prefer), or enable ssl on the server`
        : code === '28P01' || code === '28000'
          ? `check the user and password of the "${envName}" url`
          : code === '3D000'
            ? `create the database, or fix the database name in the "${envName}" url`
            : waitedMs
              ? `the database did not accept connections within the wait; check it is running, or raise --wait-for-db`
              : `check the database is running and the host/port are right; in a container entrypoint add --wait-for-db 60s`;
  const what = tls === 'required' ? ': add sslmode=require to the url' : '';
  return new DbctlError('DB_UNREACHABLE', `cannot connect to the "${envName}" database (${where}): ${reason(error)}${what}`, {
    hint,
    cause: error,
  });
}

/** Promise-based sleep; an aborted `signal` ends it early with the signal's reason. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return new Promise((resolve) => setTimeout(resolve, ms));
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A connection being opened ahead of its first use (see `connectAhead`). */
export interface PendingConnection {
  /** The open connection, or the error `connect` gave (DB_UNREACHABLE, TARGET_MISMATCH, ...). */
  ready(): Promise<Database>;
  /** Gives it up unused: stops the attempts, or closes it if it opened. Safe to call after `ready()` too (closes it). */
  abandon(): Promise<void>;
}

/**
 * Starts `connect(to, options)` now and lets the caller do other work (read the migrations folder)
 * while the server accepts the connection, authenticates and answers the facts query: the same
 * one connection and the same checks, begun a few milliseconds sooner. Its failure is not
 * reported until `ready()` is awaited, so whatever the caller does first still reports first; a
 * caller that stops before `ready()` calls `abandon()` (nothing was run on the connection), which
 * lets an attempt under way finish (at most connect_timeout) and closes what it opened.
 */
export function connectAhead(to: ConnectTo, options: ConnectOptions): PendingConnection {
  const controller = new AbortController();
  const abandoned = new Error('connection abandoned');
  options.signal?.addEventListener('abort', () => controller.abort(options.signal!.reason), { once: true });
  const opening = connect(to, { ...options, signal: controller.signal });
  opening.catch(() => {}); // reported by ready(), or never when abandoned
  return {
    ready: () => opening,
    async abandon() {
      controller.abort(abandoned);
      const db = await opening.catch(() => undefined);
      await db?.close().catch(() => {});
    },
  };
}
