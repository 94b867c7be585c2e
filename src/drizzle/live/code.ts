/**
 * The other side of a comparison: the schema in code as drizzle-kit serializes it, and the
 * snapshots in the migrations folder (the newest one, or the one a given migration wrote).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DrizzleSettings } from '../../config/types.js';
import { DbctlError } from '../../errors.js';
import { firstSnapshotIssue, loadKit } from '../kit/index.js';
import { serializeSchema, type SchemaLoader } from '../generate/load-schema.js';
import { readOutFolder, type ReadOutFolderOptions } from '../generate/out-folder.js';
import { schemaFiles } from '../generate/schema-files.js';
import type { PgSnapshot } from './introspect.js';

/** The schema in code and the files it was read from. */
export interface CodeSchema {
  snapshot: PgSnapshot;
  /** `generatePgSnapshot`'s output as is (key order as drizzle-kit writes it), without id/prevId. */
  serialized: Record<string, unknown>;
  files: string[];
}

/** Options of `codeSnapshot`. */
export interface CodeSnapshotOptions {
  /**
   * Apply the drizzle config's `schemaFilter` to the tables, as `drizzle-kit push` does. Default
   * false: as `drizzle-kit generate` does (every table in code).
   */
  schemaFilter?: boolean;
  /** How schema files load (tests). */
  schemaLoader?: SchemaLoader;
}

/**
 * The schema in code as drizzle-kit serializes it (`generatePgSnapshot` over the config's schema
 * files), validated, with drizzle-kit's origin id and an empty prevId (callers give it its place).
 */
export async function codeSnapshot(settings: DrizzleSettings, options: CodeSnapshotOptions = {}): Promise<PgSnapshot> {
  return (await codeSchema(settings, options)).snapshot;
}

/** `codeSnapshot` with the schema files it read. */
export async function codeSchema(settings: DrizzleSettings, options: CodeSnapshotOptions = {}): Promise<CodeSchema> {
  const kit = await loadKit(settings.baseDir);
  const files = schemaFiles(settings.schema, settings.baseDir);
  const serialized = await serializeSchema(files, kit, {
    casing: settings.casing,
    schemaFilter: options.schemaFilter ? settings.schemaFilter : undefined,
    loader: options.schemaLoader,
  });
  if (options.schemaFilter && settings.schemaFilter && settings.schemaFilter.length > 0) {
    // drizzle-kit filters tables and schemas, not enums, sequences and views: a push then creates
    // an enum in a schema it never creates. Everything outside the filter is left out here.
    const inFilter = (item: { schema?: string }) => settings.schemaFilter!.includes(item.schema || 'public');
    for (const key of ['enums', 'sequences', 'views'] as const) {
      const entries = Object.entries((serialized[key] ?? {}) as Record<string, { schema?: string }>);
      serialized[key] = Object.fromEntries(entries.filter(([, item]) => inFilter(item)));
    }
  }
  return { snapshot: kit.pgSchema.parse({ id: kit.originUUID, prevId: '', ...serialized }), serialized, files };
}

/** drizzle-kit's empty snapshot (the "before" of the first migration). */
export async function emptySnapshot(settings: DrizzleSettings): Promise<PgSnapshot> {
  const kit = await loadKit(settings.baseDir);
  return kit.pgSchema.parse(kit.dryPg);
}

/**
 * The newest snapshot in the migrations folder, read as `drizzle-kit generate` reads it (drizzle-kit's
 * empty snapshot when there is none). Throws MIGRATIONS_FOLDER_INVALID where generate would refuse;
 * with `validate: 'newest'` the bodies of older current-version snapshots are not validated (see
 * `readOutFolder`).
 */
export async function newestSnapshot(settings: DrizzleSettings, options: ReadOutFolderOptions = {}): Promise<PgSnapshot> {
  const kit = await loadKit(settings.baseDir);
  return readOutFolder(settings.out, kit, options).previous;
}

/** `meta/<prefix>_snapshot.json` of migration `tag` (the prefix is the tag up to its first `_`). */
export function snapshotPathOf(settings: DrizzleSettings, tag: string): string {
  const at = tag.indexOf('_');
  const prefix = at < 0 ? tag : tag.slice(0, at);
  return path.join(settings.out, 'meta', `${prefix}_snapshot.json`);
}

/**
 * The snapshot migration `tag` wrote (its schema after it ran), validated. Throws
 * MIGRATIONS_FOLDER_INVALID when it is missing or malformed.
 */
export async function snapshotOfMigration(settings: DrizzleSettings, tag: string): Promise<PgSnapshot> {
  const kit = await loadKit(settings.baseDir);
  const file = snapshotPathOf(settings, tag);
  const shown = path.relative(settings.baseDir, file) || file;
  if (!existsSync(file)) {
    throw new DbctlError('MIGRATIONS_FOLDER_INVALID', `migration ${tag} has no snapshot ${shown}`, {
      hint: 'restore the meta folder from version control (every generated migration has a snapshot)',
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DbctlError(
      'MIGRATIONS_FOLDER_INVALID',
      `${shown} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const parsed = kit.pgSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = firstSnapshotIssue(parsed.error);
    throw new DbctlError(
      'MIGRATIONS_FOLDER_INVALID',
      `${shown} is not a drizzle-kit version ${kit.snapshotVersion} PostgreSQL snapshot${issue ? `: ${issue}` : ''}`,
      {
        hint: 'run `npx drizzle-kit up` if an older drizzle-kit wrote it, or restore it from version control',
      },
    );
  }
  return parsed.data;
}
