/**
 * drizzle-kit 1.0's own public api for PostgreSQL (`drizzle-kit/api-postgres`): `pushSchema`
 * (introspect a database, diff it with the schema in code in push mode, run the data-loss checks),
 * `generateMigration` (1.0's DDL diff between two schema states), `generateDrizzleJson` (the
 * schema in code as a state) and `reconstruct` (a migrations folder's state at one snapshot).
 *
 * Rename questions and data-loss confirmations are 1.0's hints: the api never prompts (it runs in
 * its non-interactive JSON context) and throws `MissingHintsError` listing what it needs. dbctl
 * answers rename questions from `--rename`/`--create` (an unanswered one is exit 2 with the flags),
 * and records each data-loss confirmation as a warning before confirming it, so the caller sees
 * every statement and decides (`--force`) itself.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import type postgres from 'postgres';
import { DbctlError } from '../../errors.js';
import type { AppliedRename } from '../generate/types.js';
import { missingHintsError, RenameAnswers, spellEntity, type KitHint, type MissingHint } from './cli-v1.js';
import type { InstalledKit } from './resolve.js';

/** A schema state of drizzle-kit 1.0 (`version: "9"`, `ddl`: its entities). */
export interface SchemaStateV1 {
  version: string;
  dialect: string;
  id: string;
  prevIds: string[];
  ddl: unknown[];
  [key: string]: unknown;
}

/** A hint as the api takes it (rename, create, or a data-loss confirmation). */
export type ApiHint = KitHint | { type: 'confirm_data_loss'; kind: string; entity: string[] };

/** The kinds of entity drizzle-kit 1.0's DDL diff resolves (asks about, in this order). */
export const RESOLVED_KINDS = [
  'schema',
  'enum',
  'sequence',
  'policy',
  'role',
  'table',
  'column',
  'view',
  'unique',
  'index',
  'check',
  'primary_key',
  'foreign key',
] as const;

/** Which tables and schemas the api sees (drizzle-kit 1.0's `EntitiesFilterConfig`). */
export interface EntitiesFilterV1 {
  tables: string[];
  schemas: string[];
  extensions: string[];
  entities: undefined;
}

/** The part of `drizzle-kit/api-postgres` dbctl uses. */
export interface ApiPostgresV1 {
  pushSchema(
    imports: Record<string, unknown>,
    drizzleInstance: unknown,
    entitiesConfig?: EntitiesFilterV1,
    migrationsConfig?: { table?: string; schema?: string },
    options?: { hints?: ApiHint[] },
  ): Promise<{ sqlStatements: string[]; hints: { hint: string; statement?: string }[] }>;
  generateMigration(prev: SchemaStateV1, cur: SchemaStateV1, options?: { hints?: ApiHint[] }): Promise<string[]>;
  generateDrizzleJson(imports: Record<string, unknown>, prevId?: string, schemaFilters?: string[]): Promise<SchemaStateV1>;
  reconstruct(files: Record<string, unknown>, id?: string): Promise<SchemaStateV1>;
}

/**
 * The functions `api-postgres`'s own exports are made of (src/ext/api-postgres.ts of drizzle-kit
 * 1.0): its introspection (`fromDatabaseForDrizzle`, what `pushSchema` reads a database with), the
 * interim-to-DDL step, the DDL diff (`ddlDiff`), the hint-driven resolvers and the footprints
 * generate writes. Read from the same bundle as the exports (the bundle compiled with one line
 * appended that hands them out), for what the exports do not offer: two databases compared.
 */
export interface ApiInternalsV1 {
  fromDatabaseForDrizzle(
    db: { query: (text: string, params?: unknown[]) => Promise<any[]> },
    filter: (it: unknown) => boolean,
    progress: () => void,
    migrations: { table: string; schema: string },
  ): Promise<unknown>;
  interimToDDL(interim: unknown): { ddl: { entities: { list(): unknown[] } }; errors: unknown[] };
  ddlDiff(
    from: unknown,
    to: unknown,
    ...resolversAndMode: unknown[]
  ): Promise<{
    sqlStatements: string[];
    statements: { type: string; [key: string]: unknown }[];
    groupedStatements: unknown[];
    deltas: unknown[];
  }>;
  resolver(entity: string, hints: unknown): unknown;
  runWithApiHints<T>(hints: unknown[], run: (hints: unknown) => Promise<T>): Promise<T>;
  prepareEntityFilter(dialect: 'postgresql', params: EntitiesFilterV1, existing: unknown[]): (it: unknown) => boolean;
  /** A DDL from a state's `ddl` entity list. */
  fromEntities(entities: unknown[]): unknown;
  /** generate's `footprints` of a diff's grouped statements. */
  footprintsOf(grouped: unknown[]): unknown[];
}

const INTERNAL_INITS = [
  'init_utils$4',
  'init_ddl$4',
  'init_pull_utils',
  'init_hints',
  'init_prompts',
  'init_diff',
  'init_introspect',
  'init_commutativity',
] as const;
const INTERNAL_NAMES = [
  'fromDatabaseForDrizzle',
  'interimToDDL',
  'ddlDiff',
  'resolver',
  'runWithApiHints',
  'prepareEntityFilter',
  'fromEntities',
  'footprintsOf',
] as const;
const APPENDIX = `
;module.exports.__dbctlInternals = function () {
  ${INTERNAL_INITS.map((name) => `if (typeof ${name} === 'function') ${name}();`).join(' ')}
  return { ${INTERNAL_NAMES.map((name) => `${name}: typeof ${name} === 'undefined' ? undefined : ${name}`).join(', ')} };
};
`;

const loaded = new Map<string, { api: ApiPostgresV1; internals: () => ApiInternalsV1 }>();

/** drizzle-kit 1.0's internals behind `api-postgres` (exit 2 naming the version when they are not there). */
export function loadInternalsV1(kit: InstalledKit): ApiInternalsV1 {
  loadApiV1(kit);
  return loaded.get(kit.packageDir)!.internals();
}

/** Loads drizzle-kit 1.0's `api-postgres` (once per install), resolved from drizzle-kit's own folder. */
export function loadApiV1(kit: InstalledKit): ApiPostgresV1 {
  const cached = loaded.get(kit.packageDir);
  if (cached) return cached.api;
  let api: ApiPostgresV1;
  const file = path.join(kit.packageDir, 'api-postgres.js');
  try {
    const module = { exports: {} as Record<string, unknown> };
    const run = vm.compileFunction(readFileSync(file, 'utf8') + APPENDIX, ['exports', 'require', 'module', '__filename', '__dirname'], {
      filename: file,
    });
    run.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
    api = module.exports as unknown as ApiPostgresV1;
  } catch (error) {
    throw new DbctlError(
      'DRIZZLE_CONFIG_INVALID',
      `drizzle-kit ${kit.version}'s api-postgres failed to load: ${(error as Error).message.split('\n')[0]}`,
      {
        hint: `reinstall it: npm install -D drizzle-kit@${kit.version}`,
        cause: error,
      },
    );
  }
  for (const name of ['pushSchema', 'generateMigration', 'generateDrizzleJson', 'reconstruct'] as const) {
    if (typeof api[name] !== 'function') {
      throw new DbctlError('DRIZZLE_CONFIG_INVALID', `drizzle-kit ${kit.version}'s api-postgres has no ${name}`, {
        hint: 'install drizzle-kit 1.0.0-rc.5 or later 1.x: npm install -D drizzle-kit@1.0.0-rc.5',
      });
    }
  }
  let internals: ApiInternalsV1 | undefined;
  const readInternals = (): ApiInternalsV1 => {
    if (internals) return internals;
    const hook = (api as unknown as { __dbctlInternals?: () => Record<string, unknown> }).__dbctlInternals;
    const found = typeof hook === 'function' ? hook() : {};
    const missing = INTERNAL_NAMES.filter((name) => typeof found[name] !== 'function');
    if (missing.length > 0) {
      throw new DbctlError(
        'DRIZZLE_CONFIG_INVALID',
        `dbctl cannot read drizzle-kit ${kit.version}'s api-postgres: it has no ${missing.join(', ')} of the expected shape`,
        {
          hint: 'install the drizzle-kit 1.0 dbctl is tested with: npm install -D drizzle-kit@1.0.0-rc.5 drizzle-orm@1.0.0-rc.5',
        },
      );
    }
    return (internals = found as unknown as ApiInternalsV1);
  };
  loaded.set(kit.packageDir, { api, internals: readInternals });
  return api;
}

/**
 * A stand-in for the drizzle instance `pushSchema` queries through: it only calls
 * `execute(sql.raw(text))` and reads `.rows`, so the text is taken out of drizzle-orm's raw SQL
 * object and sent on dbctl's own connection (read by the api; dbctl applies the statements itself).
 */
export function drizzleInstanceOf(sql: postgres.Sql | postgres.TransactionSql): unknown {
  return {
    execute: async (query: unknown) => ({ rows: await sql.unsafe(rawText(query)) }),
  };
}

function rawText(query: unknown): string {
  const chunks = (query as { queryChunks?: unknown } | null)?.queryChunks;
  // drizzle-orm's raw SQL: string chunks whose `value` is the text (1.0) or a list of texts (0.x)
  if (Array.isArray(chunks)) {
    const parts = chunks.flatMap((c) => ((c as { value?: unknown } | null)?.value ?? null) as unknown);
    if (parts.every((p) => typeof p === 'string')) return parts.join('');
  }
  throw new DbctlError('OPERATION_FAILED', 'drizzle-kit 1.0 sent a query dbctl cannot read (not a raw SQL text)', {
    hint: 'run `npx drizzle-kit push` itself, and report this with your drizzle-kit version',
  });
}

/** What answering an api call's questions gave. */
export interface Answered<T> {
  result: T;
  renames: AppliedRename[];
  /** Data-loss confirmations the api asked for (each was confirmed to see the statements). */
  confirms: MissingHint[];
}

/**
 * Calls `run` with the hints built so far until drizzle-kit 1.0 asks nothing more: rename
 * questions answered from `--rename`/`--create` (exit 2 listing the flags for one no flag answers;
 * USAGE for a flag no question takes), data-loss confirmations recorded and confirmed.
 */
export async function answeringHints<T>(
  version: string,
  run: (hints: ApiHint[]) => Promise<T>,
  answers: { renames?: readonly string[]; creates?: readonly string[]; command: string },
): Promise<Answered<T>> {
  const flags = new RenameAnswers(answers.renames ?? [], answers.creates ?? []);
  const hints: ApiHint[] = [];
  const confirms: MissingHint[] = [];
  for (let pass = 0; pass < 16; pass++) {
    let result: T;
    try {
      result = await run([...hints]);
    } catch (error) {
      const missing = (error as { missingHints?: unknown }).missingHints;
      if (!Array.isArray(missing)) throw guarded(version, error);
      const open: MissingHint[] = [];
      for (const question of missing as MissingHint[]) {
        if (question.type === 'confirm_data_loss') {
          confirms.push(question);
          hints.push({ type: 'confirm_data_loss', kind: question.kind, entity: question.entity });
          continue;
        }
        const hint = flags.answer(question);
        if (hint) hints.push(hint);
        else open.push(question);
      }
      if (open.length > 0) throw missingHintsError(open, answers.command);
      if (missing.length === 0) throw guarded(version, error);
      continue;
    }
    flags.assertAllUsed();
    return { result, renames: flags.applied, confirms };
  }
  throw new DbctlError('OPERATION_FAILED', `drizzle-kit ${version} kept asking questions after sixteen rounds of answers`, {
    hint: `run \`npx drizzle-kit ${answers.command === 'push' ? 'push' : 'generate'}\` in a terminal to answer them there`,
  });
}

/** An error from inside drizzle-kit as one line naming its version (dbctl's own pass through). */
export function guarded(version: string, error: unknown): unknown {
  if (error instanceof DbctlError) return error;
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new DbctlError('OPERATION_FAILED', `drizzle-kit ${version} failed: ${message}`, {
    hint: 'dbctl is tested with drizzle-kit 1.0.0-rc.5; report this with your drizzle-kit version',
    cause: error,
  });
}

/** The warning line for a data-loss confirmation drizzle-kit 1.0 asked for. */
export function confirmWarning(question: MissingHint): string {
  const name = spellEntity(question.entity);
  switch (question.kind) {
    case 'table':
      return `· You're about to delete the non-empty table ${name}: its rows are lost`;
    case 'view':
      return `· You're about to delete the non-empty materialized view ${name}`;
    case 'column':
      return `· You're about to delete the column ${name}, which holds values: they are lost`;
    case 'schema':
      return `· You're about to delete the schema ${name} with the tables in it: their rows are lost`;
    case 'primary_key':
      return `· You're about to drop the primary key ${name} of a non-empty table`;
    default:
      return `· drizzle-kit asks to confirm data loss for ${question.kind} ${name}`;
  }
}

/**
 * The schemas filter drizzle-kit 1.0 sees: the config's `schemaFilter` (all schemas when unset, as
 * drizzle-kit 1.0 reads it) without dbctl's and drizzle's own schemas.
 */
export function schemasFilterV1(schemaFilter: readonly string[] | undefined, own: readonly string[]): string[] {
  return [...(schemaFilter ?? []), ...[...new Set(own)].map((name) => `!${name}`)];
}

/**
 * Every module's exports in one object for the api (drizzle reads the values): keys made unique per
 * file, and an object exported by several files (an index re-exporting) kept once, as drizzle-kit
 * keeps each table once.
 */
export function mergedExports(modules: readonly Record<string, unknown>[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  const seen = new Set<unknown>();
  modules.forEach((exports, index) => {
    for (const [key, value] of Object.entries(exports)) {
      if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
        if (seen.has(value)) continue;
        seen.add(value);
      }
      merged[index === 0 ? key : `${key}$${index}`] = value;
    }
  });
  return merged;
}
