/**
 * `backup`: backs up the named tables (schema-qualified, else `public`), or every table of the
 * environment's user schemas, to the configured target, and verifies it.
 */
import { projectTarget } from '../backup/migrate.js';
import { progressRenderer } from '../backup/progress.js';
import { backupDocument, type BackupDocument } from '../backup/render.js';
import { takeBackup } from '../backup/take.js';
import { connect } from '../io/db.js';
import { DBCTL_VERSION } from '../version.js';
import type { CommandContext } from './context.js';
import type { BackupOptions } from './options.js';
import { opContext, throwIfAborted } from './run.js';
import { environmentLabel, openProject, targetEnvironment } from './shared.js';

/** Takes a backup now and resolves to its document. */
export async function backup(options: BackupOptions = {}, given?: CommandContext): Promise<BackupDocument> {
  const ctx = await opContext(options, given);
  const tables = Array.isArray(options.tables) ? options.tables.join(',') : options.tables;
  const project = await openProject(ctx);
  const environment = targetEnvironment(ctx, project);
  const target = projectTarget(project);
  throwIfAborted(ctx.signal);
  const db = await connect(environment, { envName: environment.name, application: 'dbctl backup' });
  const progress = progressRenderer(ctx.out);
  try {
    if (!ctx.out.json) ctx.out.info(`backing up ${tables ? tables : 'every table'} of ${environmentLabel(environment)}`);
    const manifest = await takeBackup(
      db.sql,
      {
        objects: { tables: tables ? [tables] : 'all' },
        tag: null,
        envName: environment.name,
        reason: tables ? 'manual backup' : 'manual backup (every table)',
      },
      {
        target,
        ...(project.backup.keep !== undefined ? { keep: project.backup.keep } : {}),
        onProgress: progress.listener,
        onWarning: (message) => ctx.out.warn(`warning: ${message}`),
        onExpired: (ids) => ctx.out.info(`removed ${ids.length} old backup(s) (backup.keep: ${project.backup.keep})`),
        dbctlVersion: DBCTL_VERSION,
      },
    );
    progress.stop();
    return backupDocument(manifest, target.kind === 'dir' ? target.dir : null);
  } finally {
    progress.stop();
    await db.close();
  }
}
