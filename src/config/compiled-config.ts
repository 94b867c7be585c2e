/**
 * A fast path for TypeScript config files (`drizzle.config.ts`, `dbctl.config.ts`): every dbctl
 * command loads one, and loading jiti alone costs 25-45 ms before it reads its own cache. Once jiti
 * has loaded a config, the same transform of its text is kept in the project's
 * `node_modules/.cache/dbctl/` (the nearest one above it; keyed by jiti's version, the file's path and its text); later runs
 * evaluate that JavaScript directly and never load jiti.
 *
 * A config whose text holds a literal secret (a url with a password) is never stored; the stored
 * transforms live in a 0700 directory, each file 0600.
 *
 * Only for a config whose imports Node loads itself (packages and built-in modules, `dbctl`):
 * an import of another TypeScript file, or anything else the fast path cannot do as jiti would,
 * makes it give up (`null`) and the caller loads the file with jiti as before. The imports come
 * first in the transformed code, before any of the config's own statements run; a config that
 * throws is also loaded again by jiti, so that its error reads as it always has.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheRoot } from '../io/cache-root.js';
import { dynamicImport } from '../io/dynamic-import.js';
import { ConfigExited } from './exit-guard.js';

/** The transform jiti applies (`jiti.transform`), for storing. */
export type ConfigTransform = (source: string, filename: string) => string;

const TYPESCRIPT = /\.(?:ts|mts|cts|tsx)$/;
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => (...values: unknown[]) => Promise<void>;

/** Thrown inside the fast path when it cannot load the file as jiti would. */
class NotForFastPath extends Error {}

const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 24);

/** `config-<file>-<text and jiti>.cjs`: one stored transform per config file, replaced when it changes. */
function cachePath(file: string, source: string, jitiVersion: string): string | null {
  // the nearest node_modules above the file: the one its imports resolve from
  const dir = cacheRoot(path.dirname(file));
  return dir && path.join(dir, `config-${sha(file)}-${sha(`${jitiVersion}\0${source}`)}.cjs`);
}

/** A stored transform older than this is removed (its project may be gone; a live one is simply stored again). */
const STALE_MS = 30 * 24 * 3600 * 1000;

/** More transforms than this (many projects under one node_modules, or test runs), the oldest go. */
const MAX_KEPT = 100;

/** Removes the older transforms of `stored`'s config file, any older than a month, and the oldest beyond MAX_KEPT. */
function prune(stored: string): void {
  const dir = path.dirname(stored);
  const sameFile = path.basename(stored).slice(0, 'config-'.length + 24);
  const kept: { entry: string; mtimeMs: number }[] = [];
  for (const name of readdirSync(dir)) {
    const entry = path.join(dir, name);
    if (entry === stored || !name.startsWith('config-')) continue;
    const { mtimeMs } = statSync(entry);
    if (name.startsWith(sameFile) || Date.now() - mtimeMs > STALE_MS) rmSync(entry, { force: true });
    else kept.push({ entry, mtimeMs });
  }
  kept.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const { entry } of kept.slice(MAX_KEPT - 1)) rmSync(entry, { force: true });
}

/**
 * Loads `file` from its stored transform: the module's exports (`{ default, ... }`), or null when
 * there is none or the fast path cannot load it (the caller then uses jiti).
 */
export async function importCompiledConfig(
  file: string,
  jitiVersion: string,
  virtualModules: Record<string, unknown>,
): Promise<Record<string, unknown> | null> {
  if (!TYPESCRIPT.test(file)) return null;
  let code: string;
  try {
    const stored = cachePath(file, readFileSync(file, 'utf8'), jitiVersion);
    if (!stored || !existsSync(stored)) return null;
    code = readFileSync(stored, 'utf8');
  } catch {
    return null;
  }
  const require = createRequire(file);
  const load = async (id: string): Promise<unknown> => {
    if (id in virtualModules) return virtualModules[id];
    if (id.startsWith('node:') || builtinModules.includes(id)) return await dynamicImport(id);
    let resolved: string;
    try {
      resolved = require.resolve(id);
    } catch {
      throw new NotForFastPath(id);
    }
    if (TYPESCRIPT.test(resolved) || /\.(?:jsx|json)$/.test(resolved)) throw new NotForFastPath(id);
    return interop(await importResolved(require, resolved));
  };
  const module = { exports: {} as Record<string, unknown> };
  try {
    const run = new AsyncFunction('exports', 'require', 'module', '__filename', '__dirname', 'jitiImport', 'jitiESMResolve', code);
    await run(module.exports, require, module, file, path.dirname(file), load, () => {
      throw new NotForFastPath('import.meta.resolve');
    });
  } catch (error) {
    // a config that stops the process would only stop it again
    if (error instanceof ConfigExited) throw error;
    return null; // jiti loads it again and reports any error of the config itself as it always has
  }
  return module.exports;
}

/**
 * The namespace `import()` gives for a resolved file. A CommonJS file (what `require.resolve`
 * usually finds: drizzle-kit's `index.js`) is required directly, as Node's own import of it would
 * (same module cache), without the ES module loader's detour through a lexer of its source: the
 * namespace is then built as Node builds it, `default` being `module.exports`. An ES module is
 * imported.
 */
async function importResolved(require: NodeJS.Require, resolved: string): Promise<Record<string, unknown>> {
  let exports: unknown;
  try {
    exports = require(resolved);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw error;
    return await dynamicImport(pathToFileURL(resolved).href);
  }
  // Node >= 22.12 requires an ES module too, and gives its namespace
  if ((exports as { [Symbol.toStringTag]?: unknown } | null)?.[Symbol.toStringTag] === 'Module') return exports as Record<string, unknown>;
  const named = typeof exports === 'object' || typeof exports === 'function' ? { ...(exports as object) } : {};
  return { ...named, default: exports };
}

/** A namespace whose names fall back to its default export's, as jiti's interop gives them. */
function interop(namespace: Record<string, unknown>): Record<string, unknown> {
  const fallback = namespace.default;
  if (typeof fallback !== 'object' && typeof fallback !== 'function') return namespace;
  return new Proxy(namespace, {
    get: (target, key) => (key in target ? target[key as string] : (fallback as Record<PropertyKey, unknown> | null)?.[key]),
  });
}

/**
 * True when a config's text holds what may be a literal secret: a url with a password
 * (`postgres://user:pw@…`), a `password=` setting, or a `password:`/`pass:` property given a
 * literal. Such a config is never stored: it loads through jiti every time.
 */
export function holdsLiteralSecret(source: string): boolean {
  return (
    /[a-z][a-z0-9+.-]*:\/\/[^\s'"`/@]*:[^\s'"`]*@/i.test(source) ||
    /password=/i.test(source) ||
    /\b(?:pass(?:word)?|secret|PGPASSWORD)\b['"`]?\s*[:=]\s*['"`]/i.test(source)
  );
}

/**
 * Stores jiti's transform of `file` for the fast path (best effort: any failure is ignored), in a
 * directory only the user can read (0700, files 0600). A config holding a literal secret is not
 * stored (and any transform stored for it before is removed).
 */
export function storeCompiledConfig(file: string, jitiVersion: string, transform: ConfigTransform): void {
  if (!TYPESCRIPT.test(file)) return;
  try {
    const source = readFileSync(file, 'utf8');
    const stored = cachePath(file, source, jitiVersion);
    if (!stored) return;
    if (holdsLiteralSecret(source)) {
      rmSync(stored, { force: true });
      return;
    }
    if (existsSync(stored)) return;
    const code = transform(source, file);
    mkdirSync(path.dirname(stored), { recursive: true, mode: 0o700 });
    chmodSync(path.dirname(stored), 0o700);
    const temporary = `${stored}.${process.pid}.tmp`;
    writeFileSync(temporary, code, { mode: 0o600 });
    renameSync(temporary, stored);
    prune(stored);
  } catch {
    // no cache: the next run loads the config with jiti again
  }
}
