/**
 * `dbctl backup [--tables a,b]`: backs up the named tables (schema-qualified, else `public`), or
 * every table of the environment's user schemas, to the configured target. Exit 0.
 */
import { takeBackup } from '../backup/take.js';
import { projectTarget } from '../backup/migrate.js';
import { progressRenderer } from '../backup/progress.js';
import { backupDocument, renderBackup } from '../backup/render.js';
import { ExitCode } from '../errors.js';
import { connect } from '../io/db.js';
import { DBCTL_VERSION } from '../version.js';
import type { CommandContext } from '../ops/context.js';
import { environmentLabel, openProject, targetEnvironment } from '../ops/shared.js';

/** Options of `dbctl backup`. */
export interface BackupCommandOptions {
  /** `--tables a,b,schema.c` */
  tables?: string;
}

/** Runs `dbctl backup`. */
export async function runBackup(ctx: CommandContext, options: BackupCommandOptions): Promise<number> {
  const project = await openProject(ctx);
  const environment = targetEnvironment(ctx, project);
  const target = projectTarget(project);
  const db = await connect(environment, { envName: environment.name, application: 'dbctl backup' });
  const progress = progressRenderer(ctx.out);
  try {
    if (!ctx.out.json) ctx.out.info(`backing up ${options.tables ? options.tables : 'every table'} of ${environmentLabel(environment)}`);
    const manifest = await takeBackup(
      db.sql,
      {
        objects: { tables: options.tables ? [options.tables] : 'all' },
        tag: null,
        envName: environment.name,
        reason: options.tables ? 'manual backup' : 'manual backup (every table)',
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
    const dir = target.kind === 'dir' ? target.dir : null;
    if (ctx.out.json) ctx.out.writeJson(backupDocument(manifest, dir));
    else for (const line of renderBackup(manifest, dir)) ctx.out.info(line);
    return ExitCode.ok;
  } finally {
    progress.stop();
    await db.close();
  }
}
