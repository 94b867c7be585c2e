/**
 * A migration computed outside generate (a fix) written in drizzle-kit 1.0's folder format: the
 * folder and its `snapshot.json` written by drizzle-kit 1.0's own `generate --custom` (a snapshot
 * with its `prevIds` and no deltas: the migrations' schema does not change, exactly what a fix
 * needs), then its `migration.sql` filled with the statements, joined as generate joins them.
 * So the next `drizzle-kit generate` sees no difference the fix made.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DrizzleSettings } from '../../config/types.js';
import { BREAKPOINT } from '../generate/generate.js';
import type { WrittenMigration } from '../generate/types.js';
import { DbctlError } from '../../errors.js';
import { folderMigration } from '../generate/write.js';
import { generateWithKitV1 } from './cli-v1.js';
import type { InstalledKit } from './resolve.js';

/** Writes `statements` as the next migration (schema unchanged) in a drizzle-kit 1.0 folder. */
export async function writeUnchangedSchemaMigrationV1(
  kit: InstalledKit,
  settings: DrizzleSettings,
  statements: readonly string[],
  name: string,
): Promise<WrittenMigration> {
  const { migrationPath } = await generateWithKitV1({
    kit,
    configPath: settings.configPath,
    cwd: settings.baseDir,
    name,
    custom: true,
    renames: [],
    creates: [],
  });
  if (!migrationPath) {
    throw new DbctlError('OPERATION_FAILED', `drizzle-kit ${kit.version} generate --custom wrote no migration; nothing was written`, {
      hint: 'run `npx drizzle-kit generate --custom` yourself to see why, and report it with your drizzle-kit version',
    });
  }
  const sql = statements.join(settings.breakpoints ? BREAKPOINT : '\n');
  try {
    writeFileSync(migrationPath, sql);
  } catch (error) {
    rmSync(path.dirname(migrationPath), { recursive: true, force: true }); // all or nothing
    throw error;
  }
  return folderMigration(settings.out, path.dirname(migrationPath), sql, statements, false);
}
