/**
 * `dbctl backups`: lists the backups of the configured target (id, env, tag, objects, rows, size,
 * age; `--json`: an array). The `dir` target needs no database connection. Exit 0.
 */
import { listBackups } from '../backup/list.js';
import { projectTarget } from '../backup/migrate.js';
import { backupsDocument, renderBackups } from '../backup/render.js';
import type { BackupManifest } from '../backup/types.js';
import { ExitCode } from '../errors.js';
import { connect } from '../io/db.js';
import type { CommandContext } from '../ops/context.js';
import { openProject, targetEnvironment } from '../ops/shared.js';

/** Runs `dbctl backups`. */
export async function runBackups(ctx: CommandContext, _options: unknown): Promise<number> {
  const project = await openProject(ctx);
  const target = projectTarget(project);
  const onProblem = (message: string) => ctx.out.warn(`warning: ${message}`);
  let manifests: BackupManifest[];
  let where: string;
  if (target.kind === 'dir') {
    manifests = await listBackups(target, { onProblem });
    where = target.dir;
  } else {
    const environment = targetEnvironment(ctx, project);
    const db = await connect(environment, { envName: environment.name, application: 'dbctl backups' });
    try {
      manifests = await listBackups(target, { sql: db.sql, onProblem });
    } finally {
      await db.close();
    }
    where = `the dbctl_backups schema of "${environment.name}"`;
  }
  const now = new Date();
  if (ctx.out.json) ctx.out.writeJson(backupsDocument(manifests, now));
  else for (const line of renderBackups(manifests, where, now)) ctx.out.info(line);
  return ExitCode.ok;
}
