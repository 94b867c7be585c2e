/**
 * The backup `dbctl migrate` takes before a destructive migration.
 */
import type postgres from 'postgres';
import type { ProjectConfig } from '../config/types.js';
import type { DestroyedObject } from '../core/classify.js';
import type { Output } from '../io/output.js';
import { DBCTL_VERSION } from '../version.js';
import { formatBytes } from './manifest.js';
import { progressRenderer } from './progress.js';
import { takeBackup } from './take.js';
import type { BackupManifest, BackupTarget } from './types.js';
import { emptyAllowance, type Allowance } from '../io/destruction.js';

/** The configured backup target of a project. */
export function projectTarget(project: ProjectConfig): BackupTarget {
  return project.backup.target === 'database' ? { kind: 'database' } : { kind: 'dir', dir: project.backup.dir };
}

/** What a verified backup holds, as the pre-commit check's allowance. */
export function backupAllowance(manifest: Pick<BackupManifest, 'objects'> | null): Allowance {
  const allowance = emptyAllowance();
  for (const object of manifest?.objects ?? []) {
    const table = `${object.schema}.${object.table}`;
    if (object.whole) allowance.wholeTables.add(table);
    else allowance.partTables.add(table);
    for (const column of object.columns) allowance.columns.add(`${table}.${column.name}`);
  }
  return allowance;
}

/**
 * Backs up what `destroyed` would destroy, verifies it, and returns the backup id. Throws
 * BACKUP_FAILED when it cannot back up or verify (the migration must then not run).
 */
export async function backupBeforeMigration(
  sql: postgres.Sql,
  destroyed: DestroyedObject[],
  context: { tag: string; envName: string; project: ProjectConfig; out: Output },
): Promise<string> {
  return (await backupForMigration(sql, destroyed, context)).id;
}

/**
 * `backupBeforeMigration` with what the verified backup holds, as the pre-commit check's
 * allowance for the migration.
 */
export async function backupForMigration(
  sql: postgres.Sql,
  destroyed: DestroyedObject[],
  context: { tag: string; envName: string; project: ProjectConfig; out: Output },
): Promise<{ id: string; allowance: Allowance }> {
  const { out } = context;
  const progress = progressRenderer(out);
  try {
    const manifest = await takeBackup(
      sql,
      { objects: destroyed, tag: context.tag, envName: context.envName, reason: `before migration ${context.tag}` },
      {
        target: projectTarget(context.project),
        ...(context.project.backup.keep !== undefined ? { keep: context.project.backup.keep } : {}),
        onProgress: progress.listener,
        onWarning: (message) => out.warn(`warning: ${message}`),
        dbctlVersion: DBCTL_VERSION,
      },
    );
    const where = manifest.target === 'dir' ? ` in ${context.project.backup.dir}` : ' in the dbctl_backups schema';
    out.info(
      `backup ${manifest.id}${where}: ${manifest.objects.length} object(s), ${manifest.totals.rows.toLocaleString('en-US')} rows, ${formatBytes(manifest.totals.bytes)} (verified)`,
    );
    for (const skipped of manifest.skipped) {
      const name = [skipped.schema, skipped.table, skipped.column ?? skipped.name].filter(Boolean).join('.');
      if (out.verbose) out.info(`  not backed up: ${skipped.reason} ${name}: ${skipped.why}`);
    }
    return { id: manifest.id, allowance: backupAllowance(manifest) };
  } finally {
    progress.stop();
  }
}
