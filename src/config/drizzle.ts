/**
 * Reads the drizzle config the dbctl config names, with drizzle-kit's own defaults, so dbctl finds
 * the same migrations folder, table, schema, prefix and casing drizzle-kit uses.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { redactText } from '../core/url.js';
import { DbctlError } from '../errors.js';
import type { DrizzleSettings } from './types.js';

/** Loads a config module and returns its default export (supplied by load.ts, which owns jiti). */
export type ModuleImporter = (file: string) => Promise<unknown>;

/** drizzle-kit's candidates when no path is given, in its order. */
export const DEFAULT_DRIZZLE_CONFIGS = ['drizzle.config.ts', 'drizzle.config.js', 'drizzle.config.json'] as const;

const PREFIXES = ['index', 'timestamp', 'supabase', 'unix', 'none'];
const CASINGS = ['camelCase', 'snake_case'];
const SSL_MODES = ['require', 'allow', 'prefer', 'verify-full'];

/**
 * Finds the drizzle config: `configured` (relative to `baseDir`) when set, else the first of
 * drizzle-kit's defaults in `baseDir`. Returns an absolute path; missing → DRIZZLE_CONFIG_INVALID.
 */
export function findDrizzleConfig(configured: string | undefined, baseDir: string, cwd: string): string {
  const candidates =
    configured === undefined ? DEFAULT_DRIZZLE_CONFIGS.map((name) => path.resolve(baseDir, name)) : [path.resolve(baseDir, configured)];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found) return found;
  throw new DbctlError('DRIZZLE_CONFIG_INVALID', `drizzle config ${relativeLabel(candidates[0]!, cwd)} not found`, {
    hint: 'set drizzleConfig in dbctl.config.ts or create drizzle.config.ts',
  });
}

/**
 * Loads the drizzle config at `file` (absolute) and reads it like drizzle-kit does. `cwd` is the
 * directory drizzle-kit runs from: like drizzle-kit, `out` and `schema` are relative to it.
 */
export async function loadDrizzleSettings(file: string, options: { cwd: string; importModule: ModuleImporter }): Promise<DrizzleSettings> {
  const label = relativeLabel(file, options.cwd);
  let raw: unknown;
  try {
    raw = await options.importModule(file);
  } catch (error) {
    const reason = redactText(firstLineOf(error), []);
    throw new DbctlError('DRIZZLE_CONFIG_INVALID', `${label} could not be loaded: ${reason}`, {
      hint: 'fix the error in the drizzle config (run with --verbose for the stack)',
      cause: error,
    });
  }
  return drizzleSettingsFrom(raw, { file, label, baseDir: options.cwd });
}

/**
 * Validates a drizzle config object and applies drizzle-kit's defaults: `out` `drizzle`,
 * `migrations.table` `__drizzle_migrations`, `migrations.schema` `drizzle`, `migrations.prefix`
 * `index`, `schemaFilter` `["public"]`, `breakpoints` true, `strict`/`verbose` false.
 * `baseDir` is the directory `out` is resolved against (drizzle-kit's working directory).
 * @throws DbctlError DRIZZLE_CONFIG_INVALID listing every problem at once.
 */
export function drizzleSettingsFrom(raw: unknown, where: { file: string; label: string; baseDir: string }): DrizzleSettings {
  const { file, label, baseDir } = where;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new DbctlError('DRIZZLE_CONFIG_INVALID', `${label} does not export a config object`, {
      hint: "write export default defineConfig({ dialect: 'postgresql', ... }) from 'drizzle-kit'",
    });
  }
  const config = raw as Record<string, unknown>;
  const legacy = legacyKeys(config);
  if (legacy.length > 0) {
    throw new DbctlError(
      'DRIZZLE_CONFIG_INVALID',
      `${label} uses config keys drizzle-kit no longer reads (from drizzle-kit 0.20 and before)`,
      {
        details: legacy,
        hint: 'rename them as shown; see https://orm.drizzle.team/docs/drizzle-config-file',
      },
    );
  }
  if (config.dialect !== 'postgresql') {
    const found = config.dialect === undefined ? 'has no dialect' : `has dialect ${JSON.stringify(config.dialect)}`;
    throw new DbctlError('DRIZZLE_CONFIG_INVALID', `${label} ${found}; dbctl supports PostgreSQL only`, {
      hint: "set dialect: 'postgresql' in the drizzle config",
    });
  }
  const problems: string[] = [];
  const check = <T>(key: string, value: unknown, ok: (v: unknown) => boolean, expected: string): T | undefined => {
    if (value === undefined || ok(value)) return value as T | undefined;
    problems.push(`${key}: expected ${expected}`);
    return undefined;
  };
  const isString = (v: unknown) => typeof v === 'string' && v !== '';
  const isStrings = (v: unknown) => Array.isArray(v) && v.every(isString);
  const isStringOrStrings = (v: unknown) => isString(v) || isStrings(v);
  const isBoolean = (v: unknown) => typeof v === 'boolean';

  const migrations =
    check<Record<string, unknown>>(
      'migrations',
      config.migrations,
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
      'an object',
    ) ?? {};
  const out = check<string>('out', config.out, isString, 'a folder path such as "./drizzle"') ?? 'drizzle';
  const schemaFilter = check<string | string[]>('schemaFilter', config.schemaFilter, isStringOrStrings, 'a string or an array of strings');
  const settings: DrizzleSettings = {
    configPath: file,
    baseDir,
    dialect: 'postgresql',
    schema: check('schema', config.schema, isStringOrStrings, 'a path or glob, or an array of them'),
    out: path.resolve(baseDir, out),
    outRelative: out,
    migrationsTable: check<string>('migrations.table', migrations.table, isString, 'a table name') ?? '__drizzle_migrations',
    migrationsSchema: check<string>('migrations.schema', migrations.schema, isString, 'a schema name') ?? 'drizzle',
    prefix:
      check<string>('migrations.prefix', migrations.prefix, (v) => PREFIXES.includes(v as string), `one of ${PREFIXES.join(', ')}`) ??
      'index',
    casing: check('casing', config.casing, (v) => CASINGS.includes(v as string), '"camelCase" or "snake_case"'),
    url: credentialsUrl(config.dbCredentials, problems),
    schemaFilter: schemaFilter === undefined ? ['public'] : typeof schemaFilter === 'string' ? [schemaFilter] : schemaFilter,
    tablesFilter: check('tablesFilter', config.tablesFilter, isStringOrStrings, 'a string or an array of strings'),
    extensionsFilters: check('extensionsFilters', config.extensionsFilters, isStrings, 'an array such as ["postgis"]'),
    strict: check<boolean>('strict', config.strict, isBoolean, 'true or false') ?? false,
    verbose: check<boolean>('verbose', config.verbose, isBoolean, 'true or false') ?? false,
    breakpoints: check<boolean>('breakpoints', config.breakpoints, isBoolean, 'true or false') ?? true,
  };
  if (problems.length > 0) {
    throw new DbctlError('DRIZZLE_CONFIG_INVALID', `${label} has ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}`, {
      details: problems,
      hint: 'fix them and run the command again',
    });
  }
  return settings;
}

/** Each pre-0.21 drizzle-kit key the config uses, with its replacement ("driver: 'pg' → dialect: 'postgresql'"). */
function legacyKeys(config: Record<string, unknown>): string[] {
  const found: string[] = [];
  if (config.driver !== undefined && config.dialect === undefined) {
    found.push(
      config.driver === 'pg'
        ? "driver: 'pg' → dialect: 'postgresql'"
        : `driver: ${JSON.stringify(config.driver)} → dialect: 'postgresql' (driver now names a special driver such as 'pglite' only)`,
    );
  }
  const credentials = config.dbCredentials;
  if (typeof credentials === 'object' && credentials !== null && 'connectionString' in credentials && !('url' in credentials)) {
    found.push('dbCredentials.connectionString → dbCredentials.url');
  }
  return found;
}

/**
 * The url in `dbCredentials`: its `url`, or one built from `host`/`port`/`user`/`password`/
 * `database`/`ssl` the way drizzle-kit would connect. Undefined when none is given (an unset
 * `process.env.X` is undefined, which is fine until a command needs the url).
 */
export function credentialsUrl(credentials: unknown, problems: string[]): string | undefined {
  if (credentials === undefined || credentials === null) return undefined;
  if (typeof credentials !== 'object' || Array.isArray(credentials)) {
    problems.push('dbCredentials: expected an object with url, or host and database');
    return undefined;
  }
  const c = credentials as Record<string, unknown>;
  if (typeof c.url === 'string' && c.url !== '') return c.url;
  if (c.url !== undefined && c.url !== '' && typeof c.url !== 'string') problems.push('dbCredentials.url: expected a string');
  if (typeof c.host !== 'string' || c.host === '' || typeof c.database !== 'string' || c.database === '') return undefined;
  const user = typeof c.user === 'string' ? encodeURIComponent(c.user) : '';
  const password = typeof c.password === 'string' && c.password !== '' ? `:${encodeURIComponent(c.password)}` : '';
  const auth = user || password ? `${user}${password}@` : '';
  const query = new URLSearchParams();
  let host = c.host.includes(':') && !c.host.startsWith('[') ? `[${c.host}]` : c.host;
  if (c.host.startsWith('/')) {
    query.set('host', c.host); // unix socket directory
    host = 'localhost';
  }
  const port = c.port === undefined || c.port === '' ? '' : `:${String(c.port)}`;
  if (c.ssl === true) query.set('sslmode', 'require');
  else if (typeof c.ssl === 'string' && SSL_MODES.includes(c.ssl)) query.set('sslmode', c.ssl);
  const search = query.size > 0 ? `?${query.toString()}` : '';
  return `postgres://${auth}${host}${port}/${encodeURIComponent(c.database)}${search}`;
}

/** `file` relative to `cwd` for messages (absolute when it lies outside). */
export function relativeLabel(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** The first non-empty line of an error's message, for one-line reports. */
export function firstLineOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? 'unknown error'
  );
}
