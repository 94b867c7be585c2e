/**
 * `drizzle-kit push` for PostgreSQL, step by step and without prompts: the schema in code
 * (`schemaFilter` applied, as push does), the database introspected with drizzle-kit's own
 * `fromDatabase`, drizzle-kit's diff in push mode, then drizzle-kit's `pgSuggestions`, which
 * counts the rows each dropping statement would lose and returns the statements push executes
 * (with the `truncate ... cascade` it adds where a change cannot keep the rows).
 *
 * Two things differ from drizzle-kit, both towards saying more and asking nothing:
 * - drizzle-kit asks, in the middle of its checks, whether to truncate a non-empty table a unique
 *   constraint is added to. dbctl never truncates for that: it answers "no" and warns that the
 *   constraint fails if the rows are not unique (the whole push then rolls back).
 * - drizzle-kit 0.31 checks column type changes under a statement type PostgreSQL diffs never
 *   produce, so it never warns about them; dbctl does (a type change of a non-empty column may
 *   fail or lose precision).
 */
import type postgres from 'postgres';
import type { DrizzleSettings } from '../../config/types.js';
import { DbctlError } from '../../errors.js';
import { loadKit, resolveDrizzleKit } from '../kit/index.js';
import type { AppliedRename } from '../generate/types.js';
import { alignLive } from './align.js';
import { codeSchema } from './code.js';
import { describeDifferences, type KitStatement } from './describe.js';
import { diffSnapshots } from './diff.js';
import { introspectWith, kitDb, schemasOf, withTableFilter, type KitDb } from './introspect.js';

/** What a push would do. */
export interface PushPlan {
  /** The statements push executes, in order (drizzle-kit's `statementsToExecute`). */
  statements: string[];
  /** drizzle-kit's data-loss verdict (rows lost by drops or truncates), plus dbctl's type-change check. */
  dataLoss: boolean;
  /** One line per data-loss or risk warning, without colors. */
  warnings: string[];
  /** One line per difference, `column users.age: missing in the database`. */
  summary: string[];
  renames: AppliedRename[];
  /** Schema files read. */
  schemaFiles: string[];
}

/** Plans a push: reads the database (catalog and row counts only), changes nothing. */
export async function planPush(
  sql: postgres.Sql,
  settings: DrizzleSettings,
  answers: { renames?: readonly string[]; creates?: readonly string[] } = {},
  options: { excludeSchemas?: readonly string[] } = {},
): Promise<PushPlan> {
  const installed = resolveDrizzleKit(settings.baseDir);
  if (installed.line === '1.0') return await (await import('../kit/push-v1.js')).planPushV1(installed, sql, settings, answers, options);
  const kit = await loadKit(settings.baseDir);
  const code = await codeSchema(settings, { schemaFilter: true });
  const expected = withTableFilter(kit, settings, code.snapshot);
  const db = kitDb(sql);
  const live = await introspectWith(kit, db, settings, { ...options, schemas: schemasOf(expected), tsSchema: expected });
  const aligned = alignLive(live.snapshot, expected, live.facts);
  const diff = await diffSnapshots(aligned, expected, { ...answers, command: 'push' }, 'push', kit);
  const summary = describeDifferences(diff.statements as KitStatement[], { actual: 'the database', expected: 'the schema in code' });
  if (diff.sqlStatements.length === 0) {
    return { statements: [], dataLoss: false, warnings: [], summary, renames: diff.renames, schemaFiles: code.files };
  }
  const uniqueWarnings: string[] = [];
  const checked = withoutTruncatePrompt(db, diff.statements as KitStatement[], uniqueWarnings);
  let suggestions: Awaited<ReturnType<typeof kit.pgSuggestions>>;
  try {
    suggestions = await kit.pgSuggestions(checked, diff.statements);
  } catch (error) {
    if (error instanceof DbctlError) throw error;
    throw new DbctlError(
      'OPERATION_FAILED',
      `drizzle-kit's push checks failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const typeWarnings = await typeChangeWarnings(db, diff.statements as KitStatement[]);
  return {
    statements: suggestions.statementsToExecute,
    dataLoss: suggestions.shouldAskForApprove || typeWarnings.length > 0,
    warnings: [...suggestions.infoToPrint.map(stripAnsi), ...typeWarnings, ...uniqueWarnings],
    summary,
    renames: diff.renames,
    schemaFiles: code.files,
  };
}

/**
 * Applies the statements: consecutive transactional ones in one transaction (normally all of
 * them: one transaction for the whole push), one that cannot run in a transaction on its own.
 * `transactional[i]` says whether statement i can share a transaction.
 */
export async function applyPush(
  sql: postgres.Sql,
  statements: readonly string[],
  segments: readonly { transactional: boolean; statements: number[] }[],
): Promise<void> {
  for (const segment of segments) {
    if (segment.transactional) {
      await sql.begin(async (tx) => {
        for (const index of segment.statements) await tx.unsafe(statements[index]!);
      });
    } else {
      for (const index of segment.statements) await sql.unsafe(statements[index]!);
    }
  }
}

/** ANSI color codes out (drizzle-kit underlines names in its warnings when colors are on). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

const countQuery = (schema: unknown, table: unknown) =>
  `select count(*) as count from ${typeof schema === 'string' && schema !== '' ? `"${schema.replace(/"/g, '""')}".` : ''}"${String(table).replace(/"/g, '""')}"`;

/**
 * The queries `pgSuggestions` sends, in order, one marker per query: `unique` for the row count
 * after which it would prompt to truncate (drizzle-kit 0.31.x, src/cli/commands/pgPushUtils.ts).
 */
function expectedQueries(statements: readonly KitStatement[]): ('other' | 'unique')[] {
  const queue: ('other' | 'unique')[] = [];
  for (const st of statements) {
    switch (st.type) {
      case 'drop_table':
      case 'alter_table_drop_column':
      case 'drop_schema':
      case 'alter_table_alter_column_set_type':
        queue.push('other');
        break;
      case 'drop_view':
        if (st.materialized) queue.push('other');
        break;
      case 'alter_table_alter_column_drop_pk':
        queue.push('other', 'other');
        break;
      case 'alter_table_add_column': {
        const column = st.column as { notNull?: boolean; default?: unknown } | undefined;
        if (column?.notNull && column.default === undefined) queue.push('other');
        break;
      }
      case 'create_unique_constraint':
        queue.push('unique');
        break;
      default:
        break;
    }
  }
  return queue;
}

/**
 * A `db` for `pgSuggestions` that answers "0 rows" to the count it asks before its truncate
 * prompt for a new unique constraint (so it never prompts), and records a warning instead.
 */
function withoutTruncatePrompt(db: KitDb, statements: readonly KitStatement[], warnings: string[]): KitDb {
  const queue = expectedQueries(statements);
  const uniques = statements.filter((st) => st.type === 'create_unique_constraint');
  let uniqueIndex = 0;
  return {
    query: async (text, params) => {
      const expected = queue.shift();
      if (expected !== 'unique') return await db.query(text, params);
      if (!/^select count\(\*\) as count from /i.test(text.trim())) {
        throw new DbctlError(
          'OPERATION_FAILED',
          'drizzle-kit push checks ran in an unexpected order; this drizzle-kit version is not supported by dbctl push',
          {
            hint: 'install drizzle-kit 0.31.x',
          },
        );
      }
      const st = uniques[uniqueIndex++]!;
      const rows = await db.query(text, params);
      const count = Number(rows[0]?.count ?? 0);
      if (count > 0) {
        const name = typeof st.data === 'string' ? st.data.split(';')[0] : '?';
        warnings.push(
          `· You're about to add ${name} unique constraint to ${String(st.tableName)}, which contains ${count} items; it fails if they are not unique (dbctl never truncates the table for it)`,
        );
      }
      return [{ count: 0 }];
    },
  };
}

/** Warnings for column type changes on non-empty tables (drizzle-kit 0.31 misses them for PostgreSQL). */
async function typeChangeWarnings(db: KitDb, statements: readonly KitStatement[]): Promise<string[]> {
  const warnings: string[] = [];
  for (const st of statements) {
    if (st.type !== 'pg_alter_table_alter_column_set_type') continue;
    const rows = await db.query(countQuery(st.schema, st.tableName));
    const count = Number(rows[0]?.count ?? 0);
    if (count === 0) continue;
    const name = (t: unknown) => (typeof t === 'object' && t ? String((t as { name?: unknown }).name) : String(t));
    warnings.push(
      `· You're about to change ${String(st.columnName)} column type from ${name(st.oldDataType)} to ${name(st.newDataType)} in ${String(st.tableName)} table with ${count} items; values that do not convert make the push fail, others may lose precision`,
    );
  }
  return warnings;
}
