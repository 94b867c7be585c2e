/**
 * `dbctl push` on drizzle-kit 1.0: its own `pushSchema` (introspection of the database, the DDL
 * diff in push mode, its data-loss checks) on dbctl's connection, without prompts. Every data-loss
 * confirmation drizzle-kit asks for becomes a warning (the command refuses without --force), and
 * the statements come back for dbctl to classify and apply; drizzle-kit applies nothing.
 */
import type { PushPlan } from '../live/push.js';
import type * as Pg from '@pgsql/types';
import type postgres from 'postgres';
import type { DrizzleSettings } from '../../config/types.js';
import { importAll } from '../generate/load-schema.js';
import { schemaFiles } from '../generate/schema-files.js';
import { OWN_SCHEMAS } from '../live/introspect.js';
import { answeringHints, confirmWarning, drizzleInstanceOf, loadApiV1, mergedExports, schemasFilterV1 } from './api-v1.js';
import type { InstalledKit } from './resolve.js';

/** The schema in code as drizzle-kit 1.0's api takes it: every schema file's exports. */
export async function codeExportsV1(
  kit: InstalledKit,
  settings: DrizzleSettings,
): Promise<{ imports: Record<string, unknown>; files: string[] }> {
  const files = schemaFiles(settings.schema, settings.baseDir);
  return { imports: mergedExports(await importAll(files, kit.packageDir, 'tsx')), files };
}

/** The filters drizzle-kit 1.0 applies, from the drizzle config, never seeing dbctl's and drizzle's own schemas. */
export function entitiesOf(settings: DrizzleSettings, excludeSchemas: readonly string[] = []) {
  const tables =
    settings.tablesFilter === undefined ? [] : Array.isArray(settings.tablesFilter) ? settings.tablesFilter : [settings.tablesFilter];
  return {
    tables: [...tables],
    schemas: schemasFilterV1(settings.schemaFilter, [...OWN_SCHEMAS, settings.migrationsSchema, ...excludeSchemas]),
    extensions: [...(settings.extensionsFilters ?? [])],
    entities: undefined,
  };
}

/** What a push would do: the same plan as on 0.31. */
export type PushPlanV1 = PushPlan;

/** Plans a push with drizzle-kit 1.0 (reads the database, changes nothing). */
export async function planPushV1(
  kit: InstalledKit,
  sql: postgres.Sql,
  settings: DrizzleSettings,
  answers: { renames?: readonly string[]; creates?: readonly string[] },
  options: { excludeSchemas?: readonly string[] },
): Promise<PushPlanV1> {
  const api = loadApiV1(kit);
  const code = await codeExportsV1(kit, settings);
  const db = drizzleInstanceOf(sql);
  const entities = entitiesOf(settings, options.excludeSchemas);
  const migrations = { table: settings.migrationsTable, schema: settings.migrationsSchema };
  const answered = await answeringHints(kit.version, (hints) => api.pushSchema(code.imports, db, entities, migrations, { hints }), {
    ...answers,
    command: 'push',
  });
  const { sqlStatements, hints } = answered.result;
  // what pushSchema's own `apply` runs: the statements its checks add, then the diff's
  const statements = [...hints.map((h) => h.statement).filter((s): s is string => typeof s === 'string'), ...sqlStatements];
  const typeWarnings = await typeChangeWarnings(sql, sqlStatements);
  const warnings = [...answered.confirms.map(confirmWarning), ...hints.map((h) => stripAnsi(h.hint)), ...typeWarnings];
  return {
    statements,
    dataLoss: answered.confirms.length > 0 || hints.length > 0 || typeWarnings.length > 0,
    warnings,
    summary: [],
    renames: answered.renames,
    schemaFiles: code.files,
  };
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/**
 * A column type change on a non-empty table may fail or lose precision (numeric to integer, text
 * shortened): drizzle-kit 1.0's push checks do not count it, dbctl does, as on 0.31 (a warning, and
 * --force needed). The statements are read with the SQL parser, the rows counted on the database.
 */
async function typeChangeWarnings(sql: postgres.Sql, statements: readonly string[]): Promise<string[]> {
  const { loadSqlParser } = await import('../../sql/parser.js');
  const { rangeVarName, typeInfo, unwrap } = await import('../../sql/ast.js');
  const parser = await loadSqlParser();
  const warnings: string[] = [];
  const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
  for (const text of statements) {
    for (const statement of parser.parseAll(text)) {
      const alter = unwrap(statement.node, 'AlterTableStmt') as { relation?: Pg.RangeVar; cmds?: Pg.Node[] } | undefined;
      if (statement.kind !== 'AlterTableStmt' || !alter) continue;
      const table = rangeVarName(alter.relation);
      for (const raw of alter.cmds ?? []) {
        const cmd = unwrap(raw, 'AlterTableCmd') as { subtype?: string; name?: string; def?: unknown } | undefined;
        if (cmd?.subtype !== 'AT_AlterColumnType' || !cmd.name) continue;
        const [row] = await sql.unsafe(`select count(*)::bigint as n from ${ident(table.schema)}.${ident(table.name)}`);
        const count = Number(row?.n ?? 0);
        if (count === 0) continue;
        const to = typeInfo((unwrap(cmd.def, 'ColumnDef') as { typeName?: Pg.TypeName } | undefined)?.typeName).name;
        warnings.push(
          `· You're about to change ${cmd.name} column type to ${to} in ${table.schema === 'public' ? '' : `${table.schema}.`}${table.name} table with ${count} items; values that do not convert make the push fail, others may lose precision`,
        );
      }
    }
  }
  return warnings;
}
