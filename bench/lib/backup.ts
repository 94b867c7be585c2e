/**
 * Issue 4's measures, against PostgreSQL's own tools of the server's major version:
 * - backup of a 1M-row table (~150 bytes a row): `dbctl backup --tables t` vs `pg_dump -Fc -t t`,
 *   as throughput (the table's size, `pg_table_size`, over the wall time from spawn to exit);
 * - restore: `dbctl restore ID` after `DROP TABLE t` (it recreates the table and refills it) vs
 *   `pg_restore --data-only -t t` into the same table emptied by `TRUNCATE`;
 * - peak memory (max RSS) of `dbctl backup` on a ~1 GB table, `pg_dump` beside it;
 * - the backup `dbctl migrate` takes before `ALTER TABLE wide DROP COLUMN c7` (primary key and c7
 *   of a 20-column 1M-row table) vs the one it takes before `DROP TABLE wide` (the whole table),
 *   both through the built library in a child process (lib/backup-worker.ts), timing the backup.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { WorkerResult } from './backup-worker.js';
import type { Corpus } from './corpus.js';
import { alternateSides, noSamples, ok, record, type Paired } from './measures.js';
import { benchRoot, dbctlBin } from './paths.js';
import { timedCommand, timedNode, type TimedResult } from './proc.js';
import { createProject } from './project.js';
import type { BenchServer } from './server.js';

export const PG_DUMP = '/usr/bin/pg_dump';
export const PG_RESTORE = '/usr/bin/pg_restore';

/** Sizes and sample counts. */
export interface BackupOptions {
  /** Rows of `t` (1M) and of `wide` (1M). */
  rows: number;
  wideRows: number;
  /** Rows of `big`, the peak-memory table (~1 GB at ~167 bytes a row on disk). */
  bigRows: number;
  runs: number;
}

/** A table the measures use, as it is on the server. */
export interface TableFacts {
  name: string;
  rows: number;
  /** `pg_table_size` (heap, TOAST, free space and visibility maps; no indexes). */
  tableBytes: number;
  /** Average length of a row as COPY text (sampled). */
  rowTextBytes: number;
}

/** What issue 4's measures found. */
export interface BackupResults {
  t: TableFacts;
  wide: TableFacts;
  big: TableFacts;
  /** Wall times of `dbctl backup --tables t` and `pg_dump -Fc -t t`. */
  backup: Paired;
  /** Size of dbctl's backup (manifest total) and of pg_dump's file. */
  backupBytes: { dbctl: number; pgDump: number };
  /** Wall times of `dbctl restore ID` and `pg_restore --data-only`. */
  restore: Paired;
  /** One `dbctl backup --tables big` and one `pg_dump -Fc -t big`: wall time and peak RSS. */
  memory: Paired;
  /** ms of the backup part (in the worker): dbctl = before DROP COLUMN c7, baseline = before DROP TABLE wide. */
  targeted: Paired;
  /** Process wall times of the worker runs (start-up included), for the notes. */
  targetedProcessMs: { column: number[]; table: number[] };
  /** What each targeted backup held, from dbctl's summary line. */
  targetedOutput: { column: string; table: string };
  pgDumpVersion: string;
}

const SEED_ROWS = 2_000_000;
const LONG = 900_000;

/** The row expression of `t` and `big` for id `i`: ~145 bytes as COPY text, ~167 bytes on disk. */
const ROW = `i, 'user' || i || '@example.com', md5(i::text), (i::bigint * 7919 % 100000)::int, timestamptz '2024-01-01' + i * interval '1 second', md5((i * 31)::text) || left(md5((i * 17)::text), 16)`;
const ROW_COLUMNS = `id bigint not null, email text not null, name text not null, score integer not null, created_at timestamptz not null, payload text`;

/** `wide`'s 19 columns after id: c1..c19 cycling integer, bigint, text, timestamptz (c7 is text). */
function wideColumns(): { defs: string; values: string } {
  const defs: string[] = ['id bigint primary key'];
  const values: string[] = ['i'];
  for (let k = 1; k <= 19; k++) {
    const kind = k % 4;
    if (kind === 1) {
      defs.push(`c${k} integer`);
      values.push(`(i::bigint * ${k} % 1000000)::int`);
    } else if (kind === 2) {
      defs.push(`c${k} bigint`);
      values.push(`i::bigint * ${k}`);
    } else if (kind === 3) {
      defs.push(`c${k} text`);
      values.push(`left(md5((i + ${k})::text), 16)`);
    } else {
      defs.push(`c${k} timestamptz`);
      values.push(`timestamptz '2024-01-01' + (i + ${k}) * interval '1 second'`);
    }
  }
  return { defs: defs.join(', '), values: values.join(', ') };
}

/** Creates table `name` of `rows` rows of ~150 bytes (bigint primary key, 4 text columns, an integer, a timestamptz). */
export async function createRowTable(sql: postgres.Sql, name: string, rows: number): Promise<void> {
  await sql.unsafe(`create table ${name} (${ROW_COLUMNS}, primary key (id))`);
  await sql.unsafe(`insert into ${name} select ${ROW} from generate_series(1, ${rows}) i`);
  await sql.unsafe(`vacuum analyze ${name}`);
}

/** Creates `wide`: id + 19 columns (integer, bigint, text, timestamptz in turn; c7 is text), `rows` rows. */
export async function createWideTable(sql: postgres.Sql, rows: number): Promise<void> {
  const wide = wideColumns();
  await sql.unsafe(`create table wide (${wide.defs})`);
  await sql.unsafe(`insert into wide select ${wide.values} from generate_series(1, ${rows}) i`);
}

/** The worker that takes the backup `migrate` takes before `statement` (see lib/backup-worker.ts). */
export const backupWorker = path.join(benchRoot, 'lib', 'backup-worker.ts');

/** Creates `t`, `wide` and `big` in `sql`'s database. */
async function createTables(sql: postgres.Sql, options: BackupOptions, log: (line: string) => void): Promise<void> {
  log(`creating t (${options.rows.toLocaleString('en-US')} rows)`);
  await createRowTable(sql, 't', options.rows);
  log(`creating wide (20 columns, ${options.wideRows.toLocaleString('en-US')} rows)`);
  await createWideTable(sql, options.wideRows);
  // big: UNLOGGED to build it faster (no WAL); it reads back exactly as a logged table does.
  log(`creating big (${options.bigRows.toLocaleString('en-US')} rows, unlogged)`);
  await sql.unsafe(`create unlogged table big (${ROW_COLUMNS})`);
  const seed = Math.min(options.bigRows, SEED_ROWS);
  await sql.unsafe(`insert into big select ${ROW} from generate_series(1, ${seed}) i`);
  for (let have = seed; have < options.bigRows;) {
    const add = Math.min(have, options.bigRows - have);
    await sql.unsafe(`insert into big select id + ${have}, email, name, score, created_at, payload from big where id <= ${add}`);
    have += add;
  }
  await sql.unsafe(`alter table big add primary key (id)`);
  await sql.unsafe('vacuum analyze wide, big');
}

async function tableFacts(sql: postgres.Sql, name: string): Promise<TableFacts> {
  const [row] = await sql.unsafe<{ rows: string; bytes: string; text: string }[]>(
    `select (select count(*) from ${name}) as rows, pg_table_size('${name}') as bytes, (select avg(length(x::text)) - 2 from (select ${name} as x from ${name} limit 20000) s) as text`,
  );
  return { name, rows: Number(row!.rows), tableBytes: Number(row!.bytes), rowTextBytes: Math.round(Number(row!.text)) };
}

/** `pg_dump --version` (e.g. `pg_dump (PostgreSQL) 15.18 ...`), or null when it is not installed. */
export async function pgDumpVersion(): Promise<string | null> {
  if (!existsSync(PG_DUMP) || !existsSync(PG_RESTORE)) return null;
  const result = await timedCommand(PG_DUMP, ['--version'], { cwd: benchRoot });
  return result.code === 0 ? result.stdout.trim() : null;
}

/** The issue 4 measures on a fresh database of `server`. */
export async function backupMeasures(
  server: BenchServer,
  corpus: Corpus,
  options: BackupOptions,
  log: (line: string) => void,
): Promise<BackupResults> {
  const version = await pgDumpVersion();
  if (!version) throw new Error(`${PG_DUMP} and ${PG_RESTORE} are needed (Debian: apt-get install postgresql-client-15)`);
  const serverMajor = /PostgreSQL (\d+)/.exec(server.version)?.[1];
  const dumpMajor = /\) (\d+)/.exec(version)?.[1];
  if (serverMajor !== dumpMajor)
    throw new Error(`${version} does not match the server (${server.version}): pg_dump must be of the server's major version`);

  const url = await server.createDatabase('backup_bench');
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const project = await createProject('backup', corpus);
  const scratch = await mkdtemp(path.join(tmpdir(), 'dbctl-bench-dump-'));
  const backupsDir = path.join(project.dir, '.dbctl', 'backups');
  const env = { DATABASE_URL: url };
  /** Removes every dbctl backup but `keep` (they are ~70 MB each). */
  const dropBackups = async (keep: string | null = null) => {
    if (!existsSync(backupsDir)) return;
    for (const entry of await readdir(backupsDir))
      if (entry !== keep) await rm(path.join(backupsDir, entry), { recursive: true, force: true });
  };
  const count = async (table: string) => Number((await sql.unsafe<{ n: string }[]>(`select count(*) as n from ${table}`))[0]!.n);

  try {
    await createTables(sql, options, log);
    const [t, wide, big] = [await tableFacts(sql, 't'), await tableFacts(sql, 'wide'), await tableFacts(sql, 'big')];

    // Backup: throughput of `dbctl backup --tables t` vs `pg_dump -Fc -t t`.
    log(`backup of t, ${options.runs} runs each`);
    const dumpFile = path.join(scratch, 't.dump');
    let kept: { id: string; bytes: number } | null = null;
    const dbctlBackup = async (table: string, timeoutMs = 300_000): Promise<TimedResult & { id: string; bytes: number }> => {
      const result = ok(
        `dbctl backup --tables ${table}`,
        await timedNode(dbctlBin, ['--json', 'backup', '--tables', table], { cwd: project.dir, env, measureMemory: true, timeoutMs }),
      );
      const doc = JSON.parse(result.stdout) as { id: string; rows: number; bytes: number };
      const expected = await count(table);
      if (doc.rows !== expected) throw new Error(`dbctl backup --tables ${table} holds ${doc.rows} rows of ${expected}`);
      return { ...result, id: doc.id, bytes: doc.bytes };
    };
    const pgDump = (table: string, file: string, timeoutMs = 300_000) =>
      timedCommand(PG_DUMP, ['-Fc', '-t', table, '-f', file, '-d', url], { cwd: scratch, measureMemory: true, timeoutMs });
    const backup = await alternateSides(options.runs, async (side) => {
      if (side === 'baseline') return ok('pg_dump -Fc -t t', await pgDump('t', dumpFile));
      const result = await dbctlBackup('t');
      kept ??= { id: result.id, bytes: result.bytes };
      await dropBackups(kept.id);
      return result;
    });
    if (!kept || !existsSync(dumpFile)) throw new Error('no backup of t to restore (see the backup errors)');
    const backupBytes = { dbctl: (kept as { bytes: number }).bytes, pgDump: (await stat(dumpFile)).size };
    const keptId = (kept as { id: string }).id;

    // Restore: `dbctl restore ID` of the dropped table vs `pg_restore --data-only` into it emptied.
    log(`restore of t, ${options.runs} runs each`);
    const restore = await alternateSides(options.runs, async (side) => {
      let result: TimedResult;
      if (side === 'dbctl') {
        await sql.unsafe('drop table t');
        result = ok(
          `dbctl restore ${keptId}`,
          await timedNode(dbctlBin, ['restore', keptId], { cwd: project.dir, env, measureMemory: true, timeoutMs: 300_000 }),
        );
      } else {
        await sql.unsafe('truncate t');
        result = ok(
          'pg_restore --data-only -t t',
          await timedCommand(PG_RESTORE, ['--data-only', '-t', 't', '-d', url, dumpFile], {
            cwd: scratch,
            measureMemory: true,
            timeoutMs: 300_000,
          }),
        );
      }
      const rows = await count('t');
      if (rows !== t.rows) throw new Error(`${side === 'dbctl' ? 'dbctl restore' : 'pg_restore'} left ${rows} rows in t, not ${t.rows}`);
      return result;
    });
    await dropBackups();
    await rm(dumpFile, { force: true });

    // Peak memory on the large table (one run each: the high-water mark hardly varies).
    log(`backup of big (${(big.tableBytes / 2 ** 20).toFixed(0)} MB): dbctl and pg_dump, peak RSS`);
    const memory: Paired = { dbctl: noSamples(), baseline: noSamples() };
    try {
      record(memory.dbctl, await dbctlBackup('big', LONG));
    } catch (error) {
      memory.dbctl.error = error instanceof Error ? error.message : String(error);
    }
    await dropBackups();
    try {
      record(memory.baseline, ok('pg_dump -Fc -t big', await pgDump('big', path.join(scratch, 'big.dump'), LONG)));
    } catch (error) {
      memory.baseline.error = error instanceof Error ? error.message : String(error);
    }
    await rm(path.join(scratch, 'big.dump'), { force: true });
    await sql.unsafe('drop table big');

    // Targeted backup: what migrate backs up before DROP COLUMN c7 vs before DROP TABLE wide.
    log(`backup before DROP COLUMN wide.c7 vs before DROP TABLE wide, ${options.runs} runs each`);
    const targetedProcessMs = { column: [] as number[], table: [] as number[] };
    const targetedOutput = { column: '', table: '' };
    const worker = async (side: 'dbctl' | 'baseline'): Promise<TimedResult> => {
      const statement = side === 'dbctl' ? 'ALTER TABLE "wide" DROP COLUMN "c7";' : 'DROP TABLE "wide";';
      const result = ok(
        `backup before ${statement}`,
        await timedNode(backupWorker, [url, statement], { cwd: project.dir, nodeArgs: ['--import', 'tsx'], timeoutMs: 300_000 }),
      );
      const parsed = JSON.parse(result.stdout.trim().split('\n').pop()!) as WorkerResult;
      (side === 'dbctl' ? targetedProcessMs.column : targetedProcessMs.table).push(result.ms);
      // dbctl's summary line without the backup's id and directory: `1 object(s), 1,000,000 rows, 12.5 MB (verified)`
      const summary = parsed.output
        .filter((l) => l.startsWith('backup '))
        .map((l) => l.replace(/^backup \S+ in .*?: /, '').replace(/^backup \S+ /, ''));
      targetedOutput[side === 'dbctl' ? 'column' : 'table'] = `${parsed.destroyed.join(', ')}: ${summary.join(' ')}`;
      await dropBackups();
      // wall time of the backup itself; the worker's CPU time includes its start-up, so none is reported
      return { ...result, ms: parsed.ms, cpuMs: null, peakRssKb: null };
    };
    const targeted = await alternateSides(options.runs, worker);

    return { t, wide, big, backup, backupBytes, restore, memory, targeted, targetedProcessMs, targetedOutput, pgDumpVersion: version };
  } finally {
    await sql.end({ timeout: 5 });
    await project.cleanup();
    await rm(scratch, { recursive: true, force: true });
    await server.dropDatabase('backup_bench');
  }
}
