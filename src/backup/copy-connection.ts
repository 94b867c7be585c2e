/**
 * A second connection for `COPY ... TO STDOUT` whose data bypasses the driver's per-row work.
 *
 * postgres.js hands a COPY's data over one row at a time (a stream chunk per row: ~0.5 s of
 * JavaScript per million rows, more than the server needs to produce a narrow column). This
 * connection is opened by postgres.js with a socket of ours (its documented `socket` option), so
 * postgres.js still does the startup, authentication and every query; only while a COPY runs,
 * the socket splits what the server sends: the COPY text goes straight to the backup file's
 * batches in bulk, every other message on to postgres.js.
 *
 * It connects while the backup transaction reads the catalog, then takes that transaction's
 * snapshot (`pg_export_snapshot` / `SET TRANSACTION SNAPSHOT`, as pg_dump's parallel workers do)
 * and the settings that shape COPY text, so what it copies is what the backup transaction would
 * have copied. Only for plain TCP or Unix-socket connections to one host: with TLS the socket
 * carries ciphertext, and the backup copies on its own connection.
 */
import net from 'node:net';
import { finished } from 'node:stream/promises';
import postgres from 'postgres';
import { CopyDataSplitter, type CopySink } from './copy-frames.js';
import { quoteLiteral } from './sql-text.js';

/** Settings that change how values are written as COPY text. */
const OUTPUT_SETTINGS = [
  'DateStyle',
  'IntervalStyle',
  'TimeZone',
  'extra_float_digits',
  'bytea_output',
  'lc_monetary',
  'xmloption',
] as const;

/**
 * Settings that decide which rows COPY sees: `row_security` (off: filtering raises an error) and
 * the role the backup copies as (one that bypasses row-level security, when the backup switched).
 */
const VISIBILITY_SETTINGS = ['row_security', 'role'] as const;

/**
 * A socket whose incoming bytes go through a CopyDataSplitter before postgres.js sees them, and
 * that the backup file's writer can hold (pause) independently of postgres.js's own pause and
 * resume.
 */
class CopyTapSocket extends net.Socket {
  readonly splitter = new CopyDataSplitter();
  private held = false;
  private pausedByDriver = false;

  /** Stops reading from the server (backpressure from the file side). */
  hold(): void {
    this.held = true;
    super.pause();
  }

  /** Reads from the server again, unless postgres.js paused the socket itself. */
  release(): void {
    this.held = false;
    if (!this.pausedByDriver) super.resume();
  }

  override pause(): this {
    this.pausedByDriver = true;
    return super.pause();
  }

  override resume(): this {
    this.pausedByDriver = false;
    return this.held ? this : super.resume();
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'data') return super.emit(event, ...args);
    let pieces: Buffer[];
    try {
      pieces = this.splitter.split(args[0] as Buffer);
    } catch (error) {
      this.destroy(error as Error);
      return true;
    }
    for (const piece of pieces) super.emit('data', piece);
    return true;
  }
}

/** Flow control of a running COPY. */
export interface CopyFlow {
  pause(): void;
  resume(): void;
}

/** A COPY started on the copy connection. */
export interface DivertedCopy {
  /** Pause and resume reading the server's data. */
  flow: CopyFlow;
  /** Rows (CopyData messages) received so far. */
  rows(): number;
  /** Resolves with the rows (CopyData messages) once the COPY is over; rejects with the server's or the connection's error. */
  done: Promise<{ rows: number; bytes: number }>;
}

/** The copy connection of one backup. */
export interface CopyConnection {
  /**
   * Joins `tx` (a REPEATABLE READ transaction on the pool this connection was started from): its
   * snapshot and the settings that shape COPY text. False when that cannot be done (a standby,
   * the connection failed): the caller then copies through `tx` and closes this connection.
   */
  attach(tx: postgres.TransactionSql): Promise<boolean>;
  /** Runs `copySql` (a `COPY ... TO STDOUT`); its text goes to `sink`. One COPY at a time, once attached. */
  copy(copySql: string, sink: CopySink): DivertedCopy;
  /** Stops a COPY at once: the connection is closed (it is of no use afterwards). */
  abort(): void;
  /** Ends the connection's read-only transaction (releasing its locks) and closes it. */
  close(): Promise<void>;
}

/**
 * Starts connecting a copy connection like `sql`'s (same server, database, user and startup
 * settings) and opens its transaction, so that it is ready by the time the backup has read the
 * catalog. Null when `sql`'s connections cannot be tapped (TLS, several hosts, a custom socket).
 */
export function startCopyConnection(sql: postgres.Sql): CopyConnection | null {
  const options = sql.options as PoolOptions;
  if (options.ssl || options.socket || options.sslnegotiation === 'direct') return null;
  if (!options.path && options.host.length !== 1) return null;

  let tap: CopyTapSocket | null = null;
  let attached = false;
  const { shared: _shared, parameters: _parameters, serializers: _serializers, parsers: _parsers, ...connectOptions } = options;
  const copySql = postgres({
    ...(connectOptions as unknown as postgres.Options<{}>),
    max: 1,
    fetch_types: false,
    onnotice: () => {},
    ...{ socket: (o: PoolOptions) => (tap = connectTap(o, tap)) },
  });
  const begun = copySql.unsafe('begin isolation level repeatable read read only').then(
    () => true,
    () => false,
  );
  const socket = (): CopyTapSocket => {
    if (!tap || tap.destroyed) throw new Error('the copy connection was lost');
    return tap;
  };

  return {
    async attach(tx) {
      const names = [...OUTPUT_SETTINGS, ...VISIBILITY_SETTINGS];
      const columns = names.map((name, i) => `pg_catalog.current_setting('${name}') as s${i}`).join(', ');
      // the backup transaction waits idle while the COPYs run here: no idle timeout may end it
      const [facts] = await tx.unsafe<Record<string, string | null>[]>(
        `select case when pg_catalog.pg_is_in_recovery() then null else pg_catalog.pg_export_snapshot() end as snapshot, ${columns},
                pg_catalog.set_config('idle_in_transaction_session_timeout', '0', true)`,
      );
      if (!facts?.snapshot || !(await begun)) return false;
      const settings = names.map((name, i) => `pg_catalog.set_config('${name}', ${quoteLiteral(facts[`s${i}`] ?? '')}, true)`);
      try {
        await copySql.unsafe(`set transaction snapshot ${quoteLiteral(facts.snapshot)}`);
        await copySql.unsafe(
          `select ${settings.join(', ')}, pg_catalog.set_config('statement_timeout', '0', true), pg_catalog.set_config('idle_in_transaction_session_timeout', '0', true)`,
        );
        socket();
        attached = true;
        return true;
      } catch {
        return false;
      }
    },
    copy(text, sink) {
      const done = (async () => {
        const { splitter } = socket();
        splitter.divert(sink);
        const readable = await copySql.unsafe(text).readable();
        // nothing arrives through the stream (the data went to the sink); it ends at CopyDone
        readable.resume();
        await finished(readable);
        return { rows: splitter.messages, bytes: splitter.bytes };
      })();
      return {
        flow: { pause: () => tap?.hold(), resume: () => tap?.release() },
        rows: () => tap?.splitter.messages ?? 0,
        done,
      };
    },
    abort() {
      tap?.destroy();
      void copySql.end({ timeout: 0 }).catch(() => {});
    },
    async close() {
      // COMMIT releases the COPYs' table locks now, not when the backend has exited after the close
      if (attached && tap && !tap.destroyed) await copySql.unsafe('commit').catch(() => {});
      await copySql.end({ timeout: attached ? 1 : 0 }).catch(() => {});
    },
  };
}

/** The options postgres.js parsed for a pool, with the ones its types leave out. */
type PoolOptions = postgres.Sql['options'] & {
  socket?: unknown;
  sslnegotiation?: unknown;
  shared?: unknown;
  parameters?: unknown;
};

/**
 * The copy connection's socket, connected to the pool's server. Called once: a reconnection
 * would be outside the snapshot, so a lost copy connection fails the backup.
 */
function connectTap(options: PoolOptions, previous: CopyTapSocket | null): CopyTapSocket {
  if (previous) throw new Error('the copy connection was lost');
  const socket = new CopyTapSocket();
  if (options.path) socket.connect(options.path);
  else {
    socket.connect(options.port[0]!, options.host[0]!);
    Object.assign(socket, { host: options.host[0], port: options.port[0] });
  }
  return socket;
}
