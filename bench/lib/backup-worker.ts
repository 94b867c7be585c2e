/**
 * Takes the backup `dbctl migrate` would take before one migration, through the built library
 * (dist/), and prints how long the backup part took: the SQL is analysed as migrate analyses it
 * (`analyzeMigration` finds what it destroys) and `backupBeforeMigration` backs that up and verifies
 * it, on a connection opened as migrate opens it. Run by lib/backup.ts as
 * `node --import tsx bench/lib/backup-worker.ts <url> <sql>` in a bench project (its dbctl config
 * and drizzle config are loaded as the CLI loads them); prints one JSON line.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './paths.js';

type Load = typeof import('../../src/config/load.js');
type Out = typeof import('../../src/io/output.js');
type Parser = typeof import('../../src/sql/parser.js');
type Statements = typeof import('../../src/core/statements.js');
type Analyze = typeof import('../../src/core/analyze.js');
type Db = typeof import('../../src/io/db.js');
type Migrate = typeof import('../../src/backup/migrate.js');

/** Imports a module of the built dbctl. */
const dist = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(repoRoot, 'dist', file)).href)) as T;

/** What the worker prints. */
export interface WorkerResult {
  /** Milliseconds of `backupBeforeMigration` (backup and verification), the connection already open. */
  ms: number;
  id: string;
  /** What the migration destroys, as migrate describes it (`DROP COLUMN public.wide.c7`). */
  destroyed: string[];
  /** dbctl's own lines (the backup summary). */
  output: string[];
}

async function main(): Promise<void> {
  const [url, sqlText] = process.argv.slice(2);
  if (!url || !sqlText) throw new Error('usage: backup-worker.ts <url> <sql>');
  const [
    { loadProject },
    { createOutput },
    { loadSqlParser },
    { splitStatements },
    { analyzeMigration },
    { connect },
    { backupBeforeMigration },
  ] = await Promise.all([
    dist<Load>('config/load.js'),
    dist<Out>('io/output.js'),
    dist<Parser>('sql/parser.js'),
    dist<Statements>('core/statements.js'),
    dist<Analyze>('core/analyze.js'),
    dist<Db>('io/db.js'),
    dist<Migrate>('backup/migrate.js'),
  ]);
  const lines: string[] = [];
  const sink = { write: (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)), isTTY: false };
  const out = createOutput(
    { json: false, color: false, verbose: false },
    { stdout: sink, stderr: sink, stdinIsTTY: false, ci: true, noColorEnv: true },
  );
  const project = await loadProject({ cwd: process.cwd(), env: process.env });
  const chunks = analyzeMigration(await loadSqlParser(), splitStatements(sqlText));
  const destroyed = chunks.flatMap((c) => c.destroys);
  if (destroyed.length === 0) throw new Error(`${sqlText} destroys nothing: no backup to take`);
  const db = await connect(url, { envName: 'development', application: 'dbctl migrate' });
  try {
    const started = performance.now();
    const id = await backupBeforeMigration(db.sql, destroyed, { tag: '0001_bench', envName: 'development', project, out });
    const ms = performance.now() - started;
    // described as migrate describes them (`DROP COLUMN public.wide.c7`)
    const described = destroyed.map((d) => `${d.reason} ${[d.schema, d.table, d.column ?? d.name].filter(Boolean).join('.')}`);
    const result: WorkerResult = { ms, id, destroyed: described, output: lines };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
