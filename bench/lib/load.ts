/**
 * Measure 4: the application's query latency while a migration ALTERs a table another session is
 * reading. 16 connections run `SELECT ... WHERE id = $1` on `load_t` in a loop; a "long
 * transaction" session reads the table (ACCESS SHARE) and keeps its transaction open; the migration
 * (`ALTER TABLE load_t ADD COLUMN`) then needs ACCESS EXCLUSIVE and queues behind it, and every
 * later SELECT queues behind the ALTER. The long transaction ends `holdMs` after the migration's
 * ALTER was first seen waiting for its lock (so a slow CLI start-up does not shorten the wait).
 *
 * The load is paced (open loop, as web traffic arrives): each connection has a query due every
 * `intervalMs`, and a query's latency runs from when it was due, not from when a stuck connection
 * got round to sending it. A closed loop would hide the stall: a connection blocked for 3 s records
 * one slow query instead of the 150 its users sent meanwhile (coordinated omission). Reported are
 * all the queries due while the migration process was running.
 */
import postgres from 'postgres';
import type { Corpus } from './corpus.js';
import { createProject, type Tool } from './project.js';
import type { BenchServer } from './server.js';
import { percentile } from './stats.js';

/** How the load scenario is shaped. */
export interface LoadOptions {
  clients: number;
  /** Each connection has a query due every `intervalMs`. */
  intervalMs: number;
  /** How long the blocking transaction stays open after the ALTER is first seen waiting. */
  holdMs: number;
  /** Extra `migrate` arguments per CLI (dbctl: `--lock-timeout 500ms`). */
  args: Record<Tool, string[]>;
}

/** The application's view of one migration under load. */
export interface LoadResult {
  tool: Tool;
  /** Latencies (ms, from when each query was due) of the queries due while the migration ran. */
  latencies: number[];
  p50: number;
  p99: number;
  max: number;
  migrateMs: number;
  migrateCode: number;
  /** The migration's output when it failed, or a setup failure. */
  error?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ROWS = 1000;

/**
 * Resolves true as soon as some session waits for ACCESS EXCLUSIVE on `load_t` (the migration's
 * ALTER queued behind the long transaction), false if the migration ends first. Polls every 10 ms.
 */
async function firstLockWait(monitor: postgres.Sql, migration: Promise<unknown>): Promise<boolean> {
  let ended = false;
  void migration.finally(() => (ended = true));
  while (!ended) {
    const [row] = await monitor<{ n: number }[]>`
      select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
       where c.relname = 'load_t' and l.mode = 'AccessExclusiveLock' and not l.granted`;
    if (row && row.n > 0) return true;
    await sleep(10);
  }
  return false;
}

/** Runs the scenario once for `tool` on a fresh database and returns the app's latencies. */
export async function load(server: BenchServer, corpus: Corpus, tool: Tool, options: LoadOptions): Promise<LoadResult> {
  const dbName = `load_${tool.replace('-', '_')}`;
  const url = await server.createDatabase(dbName);
  const project = await createProject(`load-${tool}`, corpus);
  const clients = Array.from({ length: options.clients }, () => postgres(url, { max: 1, onnotice: () => {} }));
  const blocker = postgres(url, { max: 1, onnotice: () => {} });
  const monitor = postgres(url, { max: 1, onnotice: () => {} });
  /** Queries due after this time are not sent; the loops end once they have caught up to it. */
  let lastDue = Number.POSITIVE_INFINITY;
  let loops: Promise<void>[] = [];
  let release = () => {};
  try {
    // The app's table comes from the first migration; the deploy then adds the second.
    await project.limitJournal(1);
    const setup = await project.migrate(tool, url);
    if (setup.code !== 0) throw new Error(`${tool} migrate (setup) exited ${setup.code}: ${setup.stderr || setup.stdout}`);
    await clients[0]!`insert into load_t (v) select g from generate_series(1, ${ROWS}) g`;
    await project.limitJournal(corpus.tags.length);
    await Promise.all(clients.map((sql) => sql`select 1`));

    const samples: { due: number; ms: number }[] = [];
    const t0 = performance.now();
    loops = clients.map(async (sql, i) => {
      // Connections are staggered across the interval so that the load is even. A connection that
      // was stuck sends its overdue queries back to back until it has caught up.
      for (let n = 0; ; n++) {
        const due = t0 + (n + i / clients.length) * options.intervalMs;
        if (due > lastDue) break;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        await sql`select v from load_t where id = ${((i * 7919 + n) % ROWS) + 1}`;
        samples.push({ due, ms: performance.now() - due });
      }
    });
    await sleep(500);

    const released = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const longTransaction = blocker.begin(async (tx) => {
      await tx`select count(*) from load_t`;
      holding();
      await released;
    });
    longTransaction.catch(() => {}); // awaited below; this keeps an early failure from going unhandled
    await held;

    const migrateStart = performance.now();
    const migration = project.migrate(tool, url, options.args[tool], { timeoutMs: 60_000 });
    const waited = await firstLockWait(monitor, migration);
    const timer = setTimeout(release, waited ? options.holdMs : 0);
    const result = await migration;
    const migrateEnd = performance.now();
    clearTimeout(timer);
    release();
    if (!waited)
      throw new Error(`${tool} migrate never waited for the lock on load_t (exit ${result.code}): ${result.stderr || result.stdout}`);
    await longTransaction;
    // Every query due while the migration ran gets sent and timed, however late.
    lastDue = migrateEnd + 100;
    await Promise.all(loops);

    const latencies = samples.filter((s) => s.due >= migrateStart && s.due <= migrateEnd).map((s) => s.ms);
    const out: LoadResult = {
      tool,
      latencies,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: Math.max(...latencies),
      migrateMs: result.ms,
      migrateCode: result.code,
    };
    if (result.code !== 0)
      out.error = `${tool} migrate exited ${result.code}: ${(result.stderr || result.stdout).trim().split('\n').slice(0, 8).join('\n')}`;
    else {
      const [col] =
        await clients[0]!`select count(*)::int as n from information_schema.columns where table_name = 'load_t' and column_name = 'extra'`;
      if (col?.n !== 1) out.error = `${tool} migrate exited 0 but load_t.extra does not exist`;
    }
    return out;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { tool, latencies: [], p50: NaN, p99: NaN, max: NaN, migrateMs: NaN, migrateCode: -1, error: message };
  } finally {
    release();
    lastDue = Number.NEGATIVE_INFINITY;
    await Promise.allSettled(loops);
    await Promise.all([...clients, blocker, monitor].map((sql) => sql.end({ timeout: 5 })));
    await project.cleanup();
    await server.dropDatabase(dbName);
  }
}
