/**
 * A migration computed outside generate (a fix) written in drizzle-kit 1.0's folder format: the
 * folder and its `snapshot.json` written by drizzle-kit 1.0's own `generate --custom` (a snapshot
 * with its `prevIds` and no deltas: the migrations' schema does not change, exactly what a fix
 * needs), then its `migration.sql` filled with the statements, joined as generate joins them.
 * So the next `drizzle-kit generate` sees no difference the fix made.
 */
import { readdirSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DrizzleSettings } from '../../config/types.js';
import { BREAKPOINT } from '../generate/generate.js';
import type { WrittenMigration } from '../generate/types.js';
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
  if (!migrationPath) throw new Error('drizzle-kit generate --custom wrote no migration');
  const sql = statements.join(settings.breakpoints ? BREAKPOINT : '\n');
  try {
    writeFileSync(migrationPath, sql);
  } catch (error) {
    rmSync(path.dirname(migrationPath), { recursive: true, force: true }); // all or nothing
    throw error;
  }
  const folder = path.dirname(migrationPath);
  const tag = path.basename(folder);
  const tags = readdirSync(settings.out)
    .filter((entry) => existsSync(path.join(settings.out, entry, 'migration.sql')))
    .sort((a, b) => a.localeCompare(b));
  const earlier = tags
    .filter((t) => t !== tag)
    .map((t) => ({ tag: t, sql: readFileSync(path.join(settings.out, t, 'migration.sql'), 'utf8') }));
  return {
    tag,
    idx: tags.indexOf(tag),
    sqlPath: migrationPath,
    snapshotPath: path.join(folder, 'snapshot.json'),
    journalPath: '',
    sql,
    statements: [...statements],
    custom: false,
    earlier,
  };
}
