/**
 * Reaches the parts of drizzle-kit that `drizzle-kit generate` runs, so dbctl computes exactly the
 * same diff without drizzle-kit's interactive prompts.
 *
 * drizzle-kit's public api (`drizzle-kit/api`) only offers `generateMigration(prev, cur)`, which
 * answers rename questions by prompting on a TTY (and fails without one). The diff it calls,
 * `applyPgSnapshotsDiff(prev, cur, ...resolvers)`, takes the resolvers as arguments, but it is
 * internal to the bundle. So the bundle (`api.js`, CommonJS) is compiled here from its own file with
 * one line appended that hands out those internals; `require` inside it resolves from drizzle-kit's
 * own location, exactly as a plain `require('drizzle-kit/api')` would. Loaded lazily, once.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { DbctlError } from '../../errors.js';
import type { KitInternals } from './types.js';

/** The names read from drizzle-kit's bundle (drizzle-kit 0.31.x, src/snapshotsDiffer.ts and friends). */
const INTERNAL_NAMES = [
  'applyPgSnapshotsDiff',
  'squashPgScheme',
  'pgSchema',
  'backwardCompatiblePgSchema',
  'dryPg',
  'generatePgSnapshot',
  'prepareFromExports',
  'originUUID',
  'snapshotVersion',
  // push and introspection (src/drizzle/live): drizzle-kit's own `fromDatabase` (what
  // `pgPushIntrospect` runs without its spinner), `pgSuggestions` (push's data-loss checks),
  // `fromJson` (statements to SQL) and the `Minimatch` push filters tables with.
  'fromDatabase',
  'pgSuggestions',
  'fromJson',
  'Minimatch',
] as const;

/** `init_*` functions that define the names above (esbuild's lazy module initialisers). */
const INITIALISERS = ['init_global', 'init_pgSchema', 'init_snapshotsDiffer', 'init_pgSerializer', 'init_pgImports', 'init_sqlgenerator', 'init_mjs'] as const;

const APPENDIX = `
;module.exports.__dbctlInternals = function () {
  ${INITIALISERS.map((name) => `${name}();`).join(' ')}
  return { ${INTERNAL_NAMES.map((name) => `${name}: typeof ${name} === 'undefined' ? undefined : ${name}`).join(', ')} };
};
`;

/**
 * Modules the api bundle requires at load time that `generate` for PostgreSQL never uses. They are
 * handed over as lazy proxies (loaded on first touch), which saves most of the bundle's start-up.
 */
const LAZY_MODULES = new Set(['drizzle-orm/mysql-core', 'drizzle-orm/singlestore-core', 'drizzle-orm/sqlite-core']);

/**
 * Classes of those modules the bundle instantiates while it loads (the SingleStore serializer
 * makes a `SingleStoreDialect` up front): `new` on them gives a lazy instance instead of loading
 * the module (~40 ms).
 */
const CONSTRUCTED_AT_LOAD: Record<string, readonly string[]> = { 'drizzle-orm/singlestore-core': ['SingleStoreDialect'] };

const cache = new Map<string, Promise<KitInternals>>();

/** Where drizzle-kit is installed, resolved from the project first, then from dbctl itself. */
export function resolveDrizzleKit(fromDir: string): { apiPath: string; packageDir: string; version: string } {
  const candidates = [path.join(fromDir, 'noop.js'), fileURLToPath(import.meta.url)];
  for (const from of candidates) {
    try {
      const require = createRequire(from);
      const apiPath = require.resolve('drizzle-kit/api');
      const packageDir = path.dirname(apiPath);
      const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
      return { apiPath, packageDir, version };
    } catch {
      // try the next place
    }
  }
  throw new DbctlError('DRIZZLE_CONFIG_INVALID', `drizzle-kit is not installed where ${fromDir} can find it`, {
    hint: 'install it next to drizzle-orm: npm install -D drizzle-kit',
  });
}

/** Loads (once per drizzle-kit install) the internals `generate` needs. */
export function loadKit(fromDir: string): Promise<KitInternals> {
  const located = resolveDrizzleKit(fromDir);
  let loaded = cache.get(located.apiPath);
  if (!loaded) {
    loaded = Promise.resolve().then(() => compileKit(located.apiPath, located.packageDir, located.version));
    cache.set(located.apiPath, loaded);
  }
  return loaded;
}

function compileKit(apiPath: string, packageDir: string, version: string): KitInternals {
  const unsupported = (why: string) =>
    new DbctlError('OPERATION_FAILED', `dbctl generate does not support drizzle-kit ${version}: ${why}`, {
      hint: 'install drizzle-kit 0.31.x (the version range dbctl lists as its peer dependency)',
    });
  if (!/^0\.31\./.test(version)) throw unsupported('it needs drizzle-kit 0.31.x');
  const source = readFileSync(apiPath, 'utf8');
  const realRequire = createRequire(apiPath);
  const require = Object.assign(
    (id: string) => (LAZY_MODULES.has(id) ? lazyModule(() => realRequire(id) as object, CONSTRUCTED_AT_LOAD[id]) : realRequire(id)),
    realRequire,
  );
  const module = { exports: {} as Record<string, unknown> };
  const run = vm.compileFunction(source + APPENDIX, ['exports', 'require', 'module', '__filename', '__dirname'], {
    filename: apiPath,
  });
  run.call(module.exports, module.exports, require, module, apiPath, path.dirname(apiPath));
  const hook = module.exports.__dbctlInternals;
  if (typeof hook !== 'function') throw unsupported('its api bundle could not be opened');
  let internals: Record<string, unknown>;
  try {
    internals = (hook as () => Record<string, unknown>)();
  } catch (error) {
    throw unsupported(`its api bundle changed (${error instanceof Error ? error.message : String(error)})`);
  }
  const missing = INTERNAL_NAMES.filter((name) => internals[name] === undefined);
  if (missing.length > 0) throw unsupported(`its api bundle has no ${missing.join(', ')}`);
  return { ...(internals as unknown as Omit<KitInternals, 'version' | 'packageDir'>), version, packageDir };
}

/**
 * A module object that loads the real module on first use of any of its properties; `construct`
 * names classes whose `new` gives a lazy instance (itself loaded on first use) until then.
 */
function lazyModule(load: () => object, construct: readonly string[] = []): object {
  let real: object | undefined;
  const target = () => (real ??= load());
  const classOf = (name: string) => Reflect.get(target(), name) as new (...args: unknown[]) => object;
  const lazyClass = (name: string) =>
    new Proxy(function stand() {}, {
      construct: (_t, args) => (real ? Reflect.construct(classOf(name), args) : lazyModule(() => Reflect.construct(classOf(name), args))),
      get: (_t, key) => Reflect.get(classOf(name), key),
    });
  return new Proxy(
    {},
    {
      get: (_t, key) => (!real && typeof key === 'string' && construct.includes(key) ? lazyClass(key) : Reflect.get(target(), key)),
      has: (_t, key) => Reflect.has(target(), key),
      ownKeys: () => Reflect.ownKeys(target()),
      getOwnPropertyDescriptor: (_t, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
        return descriptor ? { ...descriptor, configurable: true } : undefined;
      },
      getPrototypeOf: () => Reflect.getPrototypeOf(target()),
    },
  );
}
