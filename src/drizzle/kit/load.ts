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
import vm from 'node:vm';
import { DbctlError } from '../../errors.js';
import type { KitInternals } from '../generate/types.js';
import { resolveDrizzleKit, type InstalledKit } from './resolve.js';
import { shapeOf, SUPPORTED_KITS } from './versions.js';

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
const INITIALISERS = [
  'init_global',
  'init_pgSchema',
  'init_snapshotsDiffer',
  'init_pgSerializer',
  'init_pgImports',
  'init_sqlgenerator',
  'init_mjs',
] as const;

/**
 * esbuild renames a bundle-level name that collides with another module's (drizzle-kit 0.31.6 and
 * 0.31.7 bundle drizzle-orm's `pgSchema` function, so their zod snapshot schema is `pgSchema2`):
 * each name is read with its numbered variants, and the first that has the expected shape is kept.
 */
const VARIANTS = ['', '2', '3', '4', '5'] as const;

const APPENDIX = `
;module.exports.__dbctlInternals = function () {
  ${INITIALISERS.map((name) => `if (typeof ${name} === 'function') ${name}();`).join(' ')}
  return { ${INTERNAL_NAMES.map(
    (name) => `${name}: [${VARIANTS.map((v) => `typeof ${name}${v} === 'undefined' ? undefined : ${name}${v}`).join(', ')}]`,
  ).join(', ')} };
};
`;

/** The shape each internal must have; the first variant that passes is used. */
const EXPECTED: Record<(typeof INTERNAL_NAMES)[number], (value: unknown) => boolean> = {
  applyPgSnapshotsDiff: isFunction,
  squashPgScheme: isFunction,
  pgSchema: isZod,
  backwardCompatiblePgSchema: isZod,
  dryPg: (v) => typeof v === 'object' && v !== null && 'version' in v && 'tables' in v,
  generatePgSnapshot: isFunction,
  prepareFromExports: isFunction,
  originUUID: (v) => typeof v === 'string',
  snapshotVersion: (v) => typeof v === 'string',
  fromDatabase: isFunction,
  pgSuggestions: isFunction,
  fromJson: isFunction,
  Minimatch: isFunction,
};

function isFunction(value: unknown): boolean {
  return typeof value === 'function';
}

function isZod(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    isFunction((value as { parse?: unknown }).parse) &&
    isFunction((value as { safeParse?: unknown }).safeParse)
  );
}

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

export { resolveDrizzleKit, type InstalledKit } from './resolve.js';

/**
 * Loads (once per drizzle-kit install) the 0.31 internals `generate`, `check`, `push`, `fix`,
 * `revert` and drift read. With drizzle-kit 1.0 those commands go through 1.0's own api-postgres
 * (api-v1.ts and the *-v1.ts beside it); whatever still asks for 0.31's internals there says so
 * (exit 2): 1.0 has none of them.
 */
export function loadKit(fromDir: string, purpose = "this command (it reads drizzle-kit 0.31's internals)"): Promise<KitInternals> {
  let located: InstalledKit;
  try {
    located = resolveDrizzleKit(fromDir);
  } catch (error) {
    return Promise.reject(error);
  }
  if (located.line !== '0.31') {
    return Promise.reject(
      new DbctlError(
        'DRIZZLE_CONFIG_INVALID',
        `dbctl does not support ${purpose} with drizzle-kit ${located.version} yet; it needs drizzle-kit 0.31.x`,
        {
          hint: 'with drizzle-kit 1.0, dbctl generate, review, migrate, status, check (and check --env), push, fix, revert (of the newest migration), resolve and drop work; run this step with drizzle-kit itself',
        },
      ),
    );
  }
  const apiPath = path.join(located.packageDir, 'api.js');
  let loaded = cache.get(apiPath);
  if (!loaded) {
    loaded = Promise.resolve().then(() => compileKit(apiPath, located.packageDir, located.version));
    cache.set(apiPath, loaded);
  }
  return loaded;
}

function compileKit(apiPath: string, packageDir: string, version: string): KitInternals {
  const unsupported = (why: string) =>
    new DbctlError('DRIZZLE_CONFIG_INVALID', `dbctl cannot read drizzle-kit ${version}: ${why}`, {
      hint: `install one dbctl supports (${SUPPORTED_KITS}), e.g. npm install -D drizzle-kit@0.31`,
    });
  let source: string;
  try {
    source = readFileSync(apiPath, 'utf8');
  } catch {
    throw unsupported(`it has no ${path.relative(packageDir, apiPath)}`);
  }
  const realRequire = createRequire(apiPath);
  const require = Object.assign(
    (id: string) => (LAZY_MODULES.has(id) ? lazyModule(() => realRequire(id) as object, CONSTRUCTED_AT_LOAD[id]) : realRequire(id)),
    realRequire,
  );
  const module = { exports: {} as Record<string, unknown> };
  const run = vm.compileFunction(source + APPENDIX, ['exports', 'require', 'module', '__filename', '__dirname'], {
    filename: apiPath,
  });
  try {
    run.call(module.exports, module.exports, require, module, apiPath, path.dirname(apiPath));
  } catch (error) {
    const missingModule = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && /'([^']+)'/.exec((error as Error).message)?.[1];
    throw new DbctlError(
      'DRIZZLE_CONFIG_INVALID',
      missingModule
        ? `drizzle-kit ${version} needs ${missingModule}, which is not installed next to it`
        : `drizzle-kit ${version} failed to load: ${(error as Error).message.split('\n')[0]}`,
      {
        hint: missingModule ? `npm install -D ${missingModule}` : `reinstall it: npm install -D drizzle-kit@${version}`,
        cause: error,
      },
    );
  }
  const hook = module.exports.__dbctlInternals;
  if (typeof hook !== 'function') throw unsupported('its api bundle could not be opened');
  let variants: Record<string, unknown[]>;
  try {
    variants = (hook as () => Record<string, unknown[]>)();
  } catch (error) {
    throw unsupported(`its api bundle changed (${error instanceof Error ? error.message : String(error)})`);
  }
  const internals: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const name of INTERNAL_NAMES) {
    const found = (variants[name] ?? []).find((value) => value !== undefined && EXPECTED[name](value));
    if (found === undefined) missing.push(name);
    else internals[name] = found;
  }
  if (missing.length > 0) throw unsupported(`its api bundle has no ${missing.join(', ')} of the expected shape`);
  return adapt(internals as unknown as Omit<KitInternals, 'version' | 'packageDir'>, version, packageDir);
}

/**
 * The internals in the one shape the rest of dbctl reads, whatever 0.31.x they came from, and
 * guarded: a TypeError or ReferenceError inside drizzle-kit (an internal it changed) becomes one
 * clear line naming the drizzle-kit version, never a stack trace. dbctl's own errors (a rename
 * question without an answer, thrown from a resolver) pass through untouched.
 */
function adapt(raw: Omit<KitInternals, 'version' | 'packageDir'>, version: string, packageDir: string): KitInternals {
  const shape = shapeOf(version);
  const prepareFromExports: KitInternals['prepareFromExports'] = shape.preparesRelations
    ? raw.prepareFromExports
    : (exports) => {
        const prepared = raw.prepareFromExports(exports) as Partial<ReturnType<KitInternals['prepareFromExports']>>;
        return { ...prepared, relations: prepared.relations ?? [] } as ReturnType<KitInternals['prepareFromExports']>;
      };
  const guard = <F extends (...args: any[]) => any>(name: string, fn: F): F =>
    function guarded(this: unknown, ...args: unknown[]) {
      const fail = (error: unknown): never => {
        if (error instanceof TypeError || error instanceof ReferenceError) {
          throw new DbctlError('OPERATION_FAILED', `drizzle-kit ${version} failed inside ${name}: ${error.message}`, {
            hint: `dbctl is tested with drizzle-kit 0.31.0-0.31.11 and 1.0.0-rc.5; report this with your drizzle-kit version`,
            cause: error,
          });
        }
        throw error;
      };
      try {
        const result = fn.apply(this, args);
        return result instanceof Promise ? result.catch(fail) : result;
      } catch (error) {
        return fail(error);
      }
    } as F;
  return {
    ...raw,
    applyPgSnapshotsDiff: guard('applyPgSnapshotsDiff', raw.applyPgSnapshotsDiff),
    squashPgScheme: guard('squashPgScheme', raw.squashPgScheme),
    generatePgSnapshot: guard('generatePgSnapshot', raw.generatePgSnapshot),
    prepareFromExports: guard('prepareFromExports', prepareFromExports),
    fromDatabase: guard('fromDatabase', raw.fromDatabase),
    pgSuggestions: guard('pgSuggestions', raw.pgSuggestions),
    fromJson: guard('fromJson', raw.fromJson),
    version,
    packageDir,
  };
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
