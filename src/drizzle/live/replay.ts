/**
 * What the applied migrations produce: their SQL run by PostgreSQL into a scratch database
 * (src/io/scratch.ts), as dbctl's apply engine runs it: each migration's `--> statement-breakpoint`
 * chunks cut into segments by the one classification table (statements that cannot run in a
 * transaction run outside one, `ALTER TYPE ... ADD VALUE` commits before its use), each
 * transactional segment in its own transaction, sent in one round trip.
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

/**
 * Runs `migrations` (in the order given: the order they were applied) into the scratch database
 * `sql`. Throws OPERATION_FAILED naming the migration and PostgreSQL's message when one fails
 * (then what the migrations produce is not known: callers fail closed).
 */
export async function replayMigrations(
  sql: postgres.Sql,
  migrations: readonly LocalMigration[],
  liveExtensions: readonly LiveExtension[],
): Promise<ReplayResult> {
  const started = Date.now();
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
  const extensions: string[] = [];
  for (const ext of liveExtensions) {
    if (madeByMigrations.has(ext.name)) continue;
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
  for (const { migration, chunks } of analysed) await runChunks(sql, migration.tag, chunks);
  return { replayed: migrations.map((m) => m.tag), extensions, ms: Date.now() - started };
}

/**
 * Runs analysed chunks as the apply engine cuts them: each transactional segment in one
 * transaction (one round trip), a statement that cannot run in a transaction on its own. Throws
 * OPERATION_FAILED naming `label` and PostgreSQL's message.
 */
export async function runChunks(
  sql: postgres.Sql,
  label: string,
  chunks: readonly AnalyzedChunk[],
  failure = `cannot replay the migrations: ${label} fails in the scratch database`,
): Promise<void> {
  for (const segment of planSegments(chunks)) {
    const texts = segment.statements.map((i) => chunks[i]!.sql);
    const text = segment.transactional ? `BEGIN;\n${texts.join('\n;\n')}\n;\nCOMMIT;` : texts[0]!;
    try {
      await sql.unsafe(text);
    } catch (error) {
      await sql.unsafe('ROLLBACK').catch(() => {});
      const first = chunks[segment.statements[0]!]!;
      const code = (error as { code?: string }).code;
      throw new DbctlError(
        'OPERATION_FAILED',
        `${failure}${segment.statements.length === 1 ? ` (statement at line ${first.line})` : ''}: ${code ? `${code}: ` : ''}${(error as Error).message}`,
        {
          hint: 'what the applied migrations produce is unknown, so drift cannot be judged: make the migration replayable on an empty database (e.g. the roles or extensions it needs exist on the shadow server)',
          cause: error,
        },
      );
    }
  }
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
