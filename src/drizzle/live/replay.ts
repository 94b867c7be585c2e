/**
 * What the applied migrations produce: their SQL run by PostgreSQL into a scratch database
 * (src/io/scratch.ts), as dbctl's apply engine runs it: each migration's `--> statement-breakpoint`
 * chunks cut into segments by the one classification table (statements that cannot run in a
 * transaction run outside one, `ALTER TYPE ... ADD VALUE` commits before its use), each
 * transactional segment in its own transaction, sent as one query.
 *
 * Consecutive transactional segments (of any number of migrations) go to the server as one
 * simple query, `BEGIN; ...; COMMIT; BEGIN; ...; COMMIT; ...`: 200 migrations cost the server's
 * time, not 200 round trips, and it works through them while the process is busy elsewhere.
 * PostgreSQL stops such a query at its first error, so nothing after a failing migration runs.
 * Each segment's transaction ends by recording its number in a session setting
 * (`dbctl.replay_step`, rolled back with it when it fails, COMMIT included); after a failure the
 * segments from the first one not recorded are run again one by one, so the failure is reported for
 * its own migration (and statement), with PostgreSQL's message, as it was when each segment was its
 * own query. A statement that cannot run in a transaction is sent on its own, as before, and so is
 * a segment with a chunk the parser cannot read (its text might run into the next one's: an open
 * comment or quote).
 *
 * Extensions the live database has and no migration creates are created first (the migrations
 * were written for a database that has them).
 */
import type postgres from 'postgres';
import { analyzeMigration, type AnalyzedChunk } from '../../core/analyze.js';
import { planSegments } from '../../core/segments.js';
import { DbctlError } from '../../errors.js';
import type { LocalMigration } from '../folder.js';
import { loadSqlParser } from '../../sql/parser.js';
import { unwrap } from '../../sql/ast.js';

/** An extension of the live database. */
export interface LiveExtension {
  name: string;
  schema: string;
}

/** Extensions installed in a database (plpgsql, always there, left out). */
export async function readExtensions(sql: postgres.Sql | postgres.TransactionSql): Promise<LiveExtension[]> {
  const rows = await sql<{ name: string; schema: string }[]>`
    select e.extname as name, n.nspname as schema
      from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace
     where e.extname <> 'plpgsql' order by e.extname`;
  return rows.map((row) => ({ name: row.name, schema: row.schema }));
}

/** The outcome of a replay. */
export interface ReplayResult {
  /** Tags replayed, in order. */
  replayed: string[];
  /** Extensions created before the migrations ran. */
  extensions: string[];
  ms: number;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Migrations parsed and cut into segments, ready to run (`prepareReplay`). */
export interface PreparedReplay {
  migrations: readonly LocalMigration[];
  analysed: { migration: LocalMigration; chunks: AnalyzedChunk[] }[];
  /** Extensions the migrations create themselves. */
  madeByMigrations: Set<string>;
}

/** Parses and analyses `migrations` for `replayMigrations` (no database: it can run while the scratch database is made). */
export async function prepareReplay(migrations: readonly LocalMigration[]): Promise<PreparedReplay> {
  const parser = await loadSqlParser();
  const analysed = migrations.map((migration) => ({ migration, chunks: analyzeMigration(parser, migration.statements) }));
  const madeByMigrations = new Set<string>();
  for (const migration of migrations) {
    for (const statement of migration.statements) {
      const parsed = parser.parse(statement.sql);
      if ('error' in parsed) continue;
      for (const st of parsed.statements) {
        const ext = unwrap(st.node, 'CreateExtensionStmt') as { extname?: string } | undefined;
        if (st.kind === 'CreateExtensionStmt' && ext?.extname) madeByMigrations.add(ext.extname);
      }
    }
  }
  return { migrations, analysed, madeByMigrations };
}

/**
 * Runs `migrations` (in the order given: the order they were applied; or as `prepareReplay` made
 * them ready) into the scratch database `sql`. Throws OPERATION_FAILED naming the migration and
 * PostgreSQL's message when one fails (then what the migrations produce is not known: callers fail
 * closed). `onSent` is called once the migrations are on their way to the server (or the replay
 * ended): from then on the replay needs nothing of this process until the server answers.
 */
export async function replayMigrations(
  sql: postgres.Sql,
  migrations: readonly LocalMigration[] | PreparedReplay,
  liveExtensions: readonly LiveExtension[],
  options: { onSent?: () => void } = {},
): Promise<ReplayResult> {
  const started = Date.now();
  try {
    const prepared = 'analysed' in migrations ? migrations : await prepareReplay(migrations);
    const extensions: string[] = [];
    for (const ext of liveExtensions) {
      if (prepared.madeByMigrations.has(ext.name)) continue;
      try {
        await sql.unsafe(
          `create schema if not exists ${quote(ext.schema)}; create extension if not exists ${quote(ext.name)} with schema ${quote(ext.schema)} cascade`,
        );
        extensions.push(ext.name);
      } catch (error) {
        throw new DbctlError(
          'OPERATION_FAILED',
          `cannot replay the migrations: extension ${ext.name} (installed in the database) cannot be created in the scratch database: ${(error as Error).message}`,
          {
            hint: 'point `shadow: { url }` at a server that has the same extensions available',
            cause: error,
          },
        );
      }
    }
    await runUnits(
      sql,
      prepared.analysed.map(({ migration, chunks }) => ({ label: migration.tag, chunks })),
      options.onSent,
    );
    return { replayed: prepared.migrations.map((m) => m.tag), extensions, ms: Date.now() - started };
  } finally {
    options.onSent?.();
  }
}

/**
 * Runs analysed chunks as the apply engine cuts them: each transactional segment in one
 * transaction (one query), a statement that cannot run in a transaction on its own. Throws
 * OPERATION_FAILED naming `label` and PostgreSQL's message.
 */
export async function runChunks(
  sql: postgres.Sql,
  label: string,
  chunks: readonly AnalyzedChunk[],
  failure = `cannot replay the migrations: ${label} fails in the scratch database`,
): Promise<void> {
  await runUnits(sql, [{ label, chunks, failure }]);
}

/** A migration (or a list of statements) to run: its analysed chunks, and what a failure says. */
interface RunUnit {
  label: string;
  chunks: readonly AnalyzedChunk[];
  failure?: string;
}

/** One segment of a run, where it came from. */
interface PlannedSegment {
  unit: RunUnit;
  transactional: boolean;
  statements: readonly number[];
  /** Its statements' text. */
  texts: string[];
  /** Sent as a query of its own: it cannot run in a transaction, or a chunk does not parse (its text might run into the next). */
  alone: boolean;
}

/** The session setting a transactional segment records its number in (see the top of this file). */
const STEP_SETTING = 'dbctl.replay_step';

/**
 * Runs the units' segments in order: consecutive transactional ones as one query (see the top of
 * this file), one that cannot run in a transaction on its own. Throws for the first segment that
 * fails, with the failed transaction rolled back (the connection idle). `onSent` is called when
 * the first batch is on its way.
 */
async function runUnits(sql: postgres.Sql, units: readonly RunUnit[], onSent?: () => void): Promise<void> {
  const segments: PlannedSegment[] = units.flatMap((unit) =>
    planSegments(unit.chunks).map((segment) => ({
      unit,
      transactional: segment.transactional,
      statements: segment.statements,
      texts: segment.statements.map((i) => unit.chunks[i]!.sql),
      alone: !segment.transactional || segment.statements.some((i) => unit.chunks[i]!.parseError !== null),
    })),
  );
  const transaction = (segment: PlannedSegment) => `BEGIN;\n${segment.texts.join('\n;\n')}\n;\nCOMMIT;`;
  const one = async (segment: PlannedSegment) => {
    try {
      await sql.unsafe(segment.transactional ? transaction(segment) : segment.texts[0]!);
    } catch (error) {
      await sql.unsafe('ROLLBACK').catch(() => {});
      throw segmentFailure(segment, error);
    }
  };
  let step = 0;
  for (let at = 0; at < segments.length;) {
    const first = segments[at]!;
    if (first.alone) {
      await one(first);
      at++;
      continue;
    }
    let end = at;
    while (end < segments.length && !segments[end]!.alone) end++;
    const batch = segments.slice(at, end);
    if (batch.length === 1) {
      await one(first);
      at = end;
      continue;
    }
    const base = step;
    const text = batch
      .map(
        (segment, i) =>
          `BEGIN;\n${segment.texts.join('\n;\n')}\n;\nSELECT pg_catalog.set_config('${STEP_SETTING}', '${base + i + 1}', false);\nCOMMIT;`,
      )
      .join('\n');
    step += batch.length;
    const result = sql.unsafe(text).execute();
    onSent?.();
    try {
      await result;
    } catch {
      // the segments up to the last one recorded committed; from the next one on, one at a time
      await sql.unsafe('ROLLBACK').catch(() => {});
      const [row] = await sql.unsafe<{ step: string | null }[]>(`SELECT pg_catalog.current_setting('${STEP_SETTING}', true) AS step`);
      const done = Math.max(0, Math.min(batch.length, Number(row?.step ?? base) - base || 0));
      for (const segment of batch.slice(done)) await one(segment);
    }
    at = end;
  }
}

/** OPERATION_FAILED naming the unit (and the statement's line when the segment is one statement) and PostgreSQL's message. */
function segmentFailure({ unit, statements }: PlannedSegment, error: unknown): DbctlError {
  const failure = unit.failure ?? `cannot replay the migrations: ${unit.label} fails in the scratch database`;
  const first = unit.chunks[statements[0]!]!;
  const code = (error as { code?: string }).code;
  return new DbctlError(
    'OPERATION_FAILED',
    `${failure}${statements.length === 1 ? ` (statement at line ${first.line})` : ''}: ${code ? `${code}: ` : ''}${(error as Error).message}`,
    {
      hint: 'what the applied migrations produce is unknown, so drift cannot be judged: make the migration replayable on an empty database (e.g. the roles or extensions it needs exist on the shadow server)',
      cause: error,
    },
  );
}

/** Runs SQL statements (one per entry) in the scratch database as a migration of them would run. */
export async function runStatements(sql: postgres.Sql, label: string, statements: readonly string[], failure?: string): Promise<void> {
  const parser = await loadSqlParser();
  const chunks = analyzeMigration(
    parser,
    statements.map((text, index) => ({ index, sql: text, line: index + 1, offset: 0 })),
  );
  await runChunks(sql, label, chunks, failure);
}
