/**
 * `dbctl push` on drizzle-kit 1.0: its own `pushSchema` (introspection of the database, the DDL
 * diff in push mode, its data-loss checks) on dbctl's connection, without prompts. Every data-loss
 * confirmation drizzle-kit asks for becomes a warning (the command refuses without --force), and
 * the statements come back for dbctl to classify and apply; drizzle-kit applies nothing.
 */
import type postgres from 'postgres';
import type { DrizzleSettings } from '../../config/types.js';
import type { AppliedRename } from '../generate/types.js';
import { importAll } from '../generate/load-schema.js';
import { schemaFiles } from '../generate/schema-files.js';
import { OWN_SCHEMAS } from '../live/introspect.js';
import { answeringHints, confirmWarning, drizzleInstanceOf, loadApiV1, mergedExports, schemasFilterV1 } from './api-v1.js';
import type { InstalledKit } from './resolve.js';

/** The schema in code as drizzle-kit 1.0's api takes it: every schema file's exports. */
export async function codeExportsV1(kit: InstalledKit, settings: DrizzleSettings): Promise<{ imports: Record<string, unknown>; files: string[] }> {
  const files = schemaFiles(settings.schema, settings.baseDir);
  return { imports: mergedExports(await importAll(files, kit.packageDir, 'tsx')), files };
}

/** The filters drizzle-kit 1.0 applies, from the drizzle config, never seeing dbctl's and drizzle's own schemas. */
export function entitiesOf(settings: DrizzleSettings, excludeSchemas: readonly string[] = []) {
  const tables = settings.tablesFilter === undefined ? [] : Array.isArray(settings.tablesFilter) ? settings.tablesFilter : [settings.tablesFilter];
  return {
    tables: [...tables],
    schemas: schemasFilterV1(settings.schemaFilter, [...OWN_SCHEMAS, settings.migrationsSchema, ...excludeSchemas]),
    extensions: [...(settings.extensionsFilters ?? [])],
    entities: undefined,
  };
}

/** What a push would do (the shape of ../live/push.ts's `PushPlan`). */
export interface PushPlanV1 {
  statements: string[];
  dataLoss: boolean;
  warnings: string[];
  summary: string[];
  renames: AppliedRename[];
  schemaFiles: string[];
}

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
  const answered = await answeringHints(kit.version, (hints) => api.pushSchema(code.imports, db, entities, migrations, { hints }), { ...answers, command: 'push' });
  const { sqlStatements, hints } = answered.result;
  // what pushSchema's own `apply` runs: the statements its checks add, then the diff's
  const statements = [...hints.map((h) => h.statement).filter((s): s is string => typeof s === 'string'), ...sqlStatements];
  const warnings = [...answered.confirms.map(confirmWarning), ...hints.map((h) => stripAnsi(h.hint))];
  return {
    statements,
    dataLoss: answered.confirms.length > 0 || hints.length > 0,
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
