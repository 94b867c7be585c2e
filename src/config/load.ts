/**
 * Finds and loads dbctl.config.{ts,mts,js,mjs,json} and the drizzle config it names, producing the
 * trusted `ProjectConfig`. TypeScript configs load without a build step through jiti.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { redactText } from '../core/url.js';
import { holdsLiteralSecret, importCompiledConfig, storeCompiledConfig } from './compiled-config.js';
import { DbctlError } from '../errors.js';
import { withoutProcessExit } from './exit-guard.js';
import { findDrizzleConfig, firstLineOf, loadDrizzleSettings, relativeLabel } from './drizzle.js';
import { parseUserConfig } from './schema.js';
import type { ProjectConfig } from './types.js';

/** Config file names looked for in the current directory, first found wins. */
export const CONFIG_FILES = ['dbctl.config.ts', 'dbctl.config.mts', 'dbctl.config.js', 'dbctl.config.mjs', 'dbctl.config.json'] as const;

const LOADABLE = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'];

/** Where to load the project from. */
export interface LoadOptions {
  /** Directory the command runs in; config discovery and relative paths start here. */
  cwd: string;
  /** `--config <path>`, relative to `cwd`. */
  configPath?: string | undefined;
  /**
   * The process environment. Not read while loading (urls are resolved only for the selected
   * environment, by `resolveEnvironment`); accepted so callers hand one map to every config step.
   */
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * Loads the project's dbctl config (or defaults when there is none) and its drizzle config.
 * @throws DbctlError CONFIG_INVALID (missing `--config` file, unloadable or invalid config) or
 *   DRIZZLE_CONFIG_INVALID (drizzle config missing, unloadable, not PostgreSQL).
 */
export async function loadProject(options: LoadOptions): Promise<ProjectConfig> {
  const cwd = path.resolve(options.cwd);
  const configPath = findConfig(cwd, options.configPath);
  const label = configPath === null ? 'dbctl.config.ts' : relativeLabel(configPath, cwd);
  const raw = configPath === null ? {} : await readConfig(configPath, label);
  const parsed = parseUserConfig(raw, { projectDir: cwd, label });
  const drizzleFile = findDrizzleConfig(parsed.drizzleConfig, configPath === null ? cwd : path.dirname(configPath), cwd);
  const drizzle = await loadDrizzleSettings(drizzleFile, { cwd, importModule });
  return {
    projectDir: cwd,
    configPath,
    drizzle,
    environments: parsed.environments,
    protectHosts: parsed.protectHosts,
    backup: parsed.backup,
    migrate: parsed.migrate,
    review: parsed.review,
    history: parsed.history,
    ...(parsed.shadow ? { shadow: parsed.shadow } : {}),
    ...(parsed.check ? { check: parsed.check } : {}),
  };
}

/** The absolute path of the dbctl config to use, or null when none exists (defaults apply). */
export function findConfig(cwd: string, configPath?: string): string | null {
  if (configPath === undefined || configPath === '') {
    for (const name of CONFIG_FILES) {
      const candidate = path.join(cwd, name);
      if (isFile(candidate)) return candidate;
    }
    return null;
  }
  const file = path.resolve(cwd, configPath);
  if (!existsSync(file)) {
    throw new DbctlError('CONFIG_INVALID', `config file ${configPath} not found`, {
      hint: 'check the --config path (it is relative to the current directory)',
    });
  }
  if (!isFile(file))
    throw new DbctlError('CONFIG_INVALID', `config file ${configPath} is not a file`, { hint: 'pass the config file itself to --config' });
  if (!LOADABLE.includes(path.extname(file))) {
    throw new DbctlError('CONFIG_INVALID', `config file ${configPath} is not a .ts, .mts, .js, .mjs or .json file`, {
      hint: 'rename it, e.g. dbctl.config.ts',
    });
  }
  return file;
}

/** Reads the config's value: parsed JSON, or a module's default export (called when a function). */
async function readConfig(file: string, label: string): Promise<unknown> {
  let namespace: unknown;
  let value: unknown;
  try {
    if (file.endsWith('.json')) return JSON.parse(await readFile(file, 'utf8')) as unknown;
    namespace = await importNamespace(file);
    const exported = hasDefault(namespace) ? namespace.default : namespace;
    value = typeof exported === 'function' ? await withoutProcessExit(async () => (exported as () => unknown)()) : await exported;
  } catch (error) {
    const what = file.endsWith('.json') && error instanceof SyntaxError ? 'is not valid JSON' : 'could not be loaded';
    throw new DbctlError('CONFIG_INVALID', `${label} ${what}: ${redactText(firstLineOf(error), [])}`, {
      hint: 'fix the error in the config file (run with --verbose for the stack)',
      cause: error,
    });
  }
  if (!hasDefault(namespace) && typeof namespace === 'object' && namespace !== null && Object.keys(namespace).length === 0) {
    throw new DbctlError('CONFIG_INVALID', `${label} exports no config`, { hint: 'write export default defineConfig({ ... })' });
  }
  return value;
}

/**
 * Imports a config module (TypeScript or JavaScript, ESM or CommonJS) with jiti and returns its
 * default export, or the module itself when it has none (as drizzle-kit reads its config).
 */
export async function importModule(file: string): Promise<unknown> {
  const mod = await importNamespace(file);
  return hasDefault(mod) && mod.default !== undefined ? mod.default : mod;
}

/**
 * The module namespace of `file`, loaded by jiti without a build step. `import { defineConfig,
 * env } from 'dbctl'` inside it resolves to this running dbctl (see `ownEntry`), so configs work
 * in projects where dbctl is not installed locally.
 */
async function importNamespace(file: string): Promise<unknown> {
  // The config helpers are handed over as an already loaded module: nothing of dbctl is
  // recompiled per load. A config loaded before runs from its stored transform without jiti
  // (compiled-config.ts); otherwise jiti is required as CommonJS: importing its ESM wrapper makes
  // Node scan a 190 kB bundle for exports (~50 ms).
  const virtualModules = { dbctl: await import('./define.js') };
  const jitiVersion = installedJitiVersion();
  // the config's code runs from here on, once (a `process.exit` in it becomes a config error)
  return await withoutProcessExit(async () => {
    const compiled = await importCompiledConfig(file, jitiVersion, virtualModules);
    if (compiled) return compiled;
    const { createJiti } = requireFromHere('jiti') as typeof import('jiti');
    // imports through the project's tsconfig `paths` (`@app/server/db`) resolve as drizzle-kit resolves them
    const tsconfig = nearestTsconfig(path.dirname(file));
    // jiti's own file cache (node_modules/.cache/jiti or $TMPDIR/jiti, world-readable) must not get a literal password either
    const secret = holdsLiteralSecret(readFileSync(file, 'utf8'));
    const jitiWith = (paths: string | undefined) =>
      createJiti(import.meta.url, {
        virtualModules,
        moduleCache: false,
        ...(paths ? { tsconfigPaths: paths } : {}),
        ...(secret ? { fsCache: false } : {}),
      });
    let jiti: ReturnType<typeof createJiti>;
    try {
      jiti = jitiWith(tsconfig);
    } catch (error) {
      // a tsconfig whose `extends` does not resolve (a base package not installed here) only costs
      // its `paths`, as for drizzle-kit: the config loads without them when it needs none. jiti
      // reads the tsconfig when it is made, before any of the config's code runs.
      if (!tsconfig) throw error;
      jiti = jitiWith(undefined);
    }
    const namespace = await jiti.import(file);
    storeCompiledConfig(file, jitiVersion, (source, filename) => jiti.transform({ source, filename, ts: true, async: true }));
    return namespace;
  });
}

const requireFromHere = createRequire(import.meta.url);

/**
 * The version of the jiti this code loads (it keys the stored transforms): read from the
 * `node_modules/jiti/package.json` nearest above this file, where Node's lookup finds the package,
 * without a resolution through its `exports` (about 2 ms at every start); else through `require`.
 */
function installedJitiVersion(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'node_modules', 'jiti', 'package.json');
    if (existsSync(manifest)) return String((JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version);
    if (path.dirname(dir) === dir) return (requireFromHere('jiti/package.json') as { version: string }).version;
  }
}

function hasDefault(mod: unknown): mod is { default: unknown } {
  return typeof mod === 'object' && mod !== null && 'default' in mod;
}

/** The tsconfig.json nearest above `dir` (the one TypeScript would use for a file there), or undefined. */
function nearestTsconfig(dir: string): string | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    const candidate = path.join(current, 'tsconfig.json');
    if (isFile(candidate)) return candidate;
    if (path.dirname(current) === current || existsSync(path.join(current, '.git'))) return undefined;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
