/**
 * Loads the user's schema modules the way `drizzle-kit generate` does and collects their exports
 * (`prepareFromPgImports`: each file's exports through `prepareFromExports`, tables de-duplicated).
 *
 * drizzle-kit registers tsx's CommonJS hooks and `require`s each file; dbctl does the same with the
 * tsx drizzle-kit itself depends on, so what loads (tsconfig `paths`, decorators, `.mts`, the order
 * of exports, which decides the order of statements) is exactly what drizzle-kit sees. The hooks are
 * removed afterwards, and the project's modules are dropped from the require cache so a second run
 * in the same process reads the files again. When tsx cannot be found, jiti loads the files.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { DbctlError } from '../../errors.js';
import type { KitInternals, PreparedExports } from './types.js';
import { dynamicImport } from '../../io/dynamic-import.js';
import { exitedWhile, whileExitThrows } from '../../io/exit-guard.js';

/** How schema modules are loaded: drizzle-kit's tsx (default), or jiti (when tsx is not installed). */
export type SchemaLoader = 'tsx' | 'jiti';

/** Imports every schema file and returns what drizzle-kit would pass to `generatePgSnapshot`. */
export async function loadSchemaExports(files: string[], kit: KitInternals, loader: SchemaLoader = 'tsx'): Promise<PreparedExports> {
  const modules = await importAll(files, kit.packageDir, loader);
  const all: PreparedExports = {
    tables: [],
    enums: [],
    schemas: [],
    sequences: [],
    views: [],
    matViews: [],
    roles: [],
    policies: [],
    relations: [],
  };
  for (const exports of modules) {
    const prepared = kit.prepareFromExports(exports);
    for (const key of Object.keys(all) as (keyof PreparedExports)[]) all[key].push(...prepared[key]);
  }
  all.tables = Array.from(new Set(all.tables));
  return all;
}

/** Imports the schema files (TypeScript through tsx, else jiti), each module's exports in order. */
export async function importAll(files: string[], kitDir: string, loader: SchemaLoader): Promise<Record<string, unknown>[]> {
  const kitRequire = createRequire(path.join(kitDir, 'package.json'));
  let tsx: { register(): () => void } | undefined;
  try {
    tsx = loader === 'tsx' ? (kitRequire('tsx/cjs/api') as { register(): () => void }) : undefined;
  } catch {
    tsx = undefined;
  }
  const require = createRequire(files[0] ?? path.join(kitDir, 'package.json'));
  const before = new Set(Object.keys(require.cache));
  const loaded: Record<string, unknown>[] = [];
  let current = '';
  try {
    await whileExitThrows(
      () => importEach(),
      (code, printed) => new Error(exitedWhile(code, 'while it was loading', printed)),
    );
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new DbctlError('DRIZZLE_CONFIG_INVALID', `could not load the schema file ${current}: ${message}`, {
      hint: 'fix the error in the schema (drizzle-kit generate fails on it the same way)',
      cause: error,
    });
  } finally {
    for (const key of Object.keys(require.cache)) {
      if (!before.has(key) && !key.includes(`${path.sep}node_modules${path.sep}`)) delete require.cache[key];
    }
  }
  return loaded.map((it) => (it && typeof it === 'object' ? it : {}));

  async function importEach(): Promise<void> {
    if (tsx) {
      const unregister = tsx.register();
      try {
        for (const file of files) {
          current = file;
          loaded.push(require(file) as Record<string, unknown>);
        }
      } finally {
        unregister();
      }
    } else {
      const { createJiti } = await dynamicImport<typeof import('jiti')>('jiti');
      const jiti = createJiti(files[0] ?? kitDir, { moduleCache: false, fsCache: true });
      for (const file of files) {
        current = file;
        loaded.push((await jiti.import(file)) as Record<string, unknown>);
      }
    }
  }
}

/**
 * The schema files serialized exactly as drizzle-kit does (`generatePgSnapshot` over their
 * exports), without id/prevId. `schemaFilter` is applied only when given (push does, generate not).
 */
export async function serializeSchema(
  files: string[],
  kit: KitInternals,
  options: { casing: 'camelCase' | 'snake_case' | undefined; schemaFilter?: string[] | undefined; loader?: SchemaLoader | undefined },
): Promise<Record<string, unknown>> {
  const exported = await loadSchemaExports(files, kit, options.loader);
  // drizzle-kit prints why it rejects a schema (a duplicated index or constraint name), then exits
  return await whileExitThrows(
    async () =>
      kit.generatePgSnapshot(
        exported.tables,
        exported.enums,
        exported.schemas,
        exported.sequences,
        exported.roles,
        exported.policies,
        exported.views,
        exported.matViews,
        options.casing,
        options.schemaFilter,
      ) as Record<string, unknown>,
    (code, printed) =>
      new DbctlError(
        'DRIZZLE_CONFIG_INVALID',
        `drizzle-kit rejects the schema in code: ${printed || `it stopped with exit code ${String(code ?? 0)}`}`,
        {
          hint: 'fix what it names: `drizzle-kit generate` stops on it the same way',
        },
      ),
  );
}
