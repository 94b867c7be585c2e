/**
 * `dbctl check`'s schema check on drizzle-kit 1.0: would `drizzle-kit generate` write a migration?
 * Asked of drizzle-kit 1.0 itself (`generate --explain`, a dry run), since 1.0 rebuilds the schema
 * the migrations make from the whole chain of snapshots, not from the newest one.
 */
import { kitV1SchemaDiffers } from './cli-v1.js';
import { resolveDrizzleKit } from './load.js';

/**
 * The answer on drizzle-kit 1.0, or null when the installed drizzle-kit is 0.31 (the caller then
 * diffs against the newest snapshot as before).
 */
export async function schemaDiffersOnKitV1(settings: {
  configPath: string;
  baseDir: string;
}): Promise<{ differs: boolean; summary: string[] } | null> {
  const kit = resolveDrizzleKit(settings.baseDir);
  if (kit.line !== '1.0') return null;
  return await kitV1SchemaDiffers({ kit, configPath: settings.configPath, cwd: settings.baseDir });
}
