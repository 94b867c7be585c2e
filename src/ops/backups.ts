/**
 * `backups`: lists the backups of the configured target. The `dir` target needs no database
 * connection; the `database` target reads the environment's `dbctl_backups` schema.
 */
import { listBackups } from '../backup/list.js';
import { projectTarget } from '../backup/migrate.js';
import { backupsDocument, type BackupsDocument } from '../backup/render.js';
import type { BackupManifest } from '../backup/types.js';
import { connect } from '../io/db.js';
import type { CommandContext } from './context.js';
import type { BaseOptions } from './options.js';
import { opContext, throwIfAborted } from './run.js';
import { openProject, targetEnvironment } from './shared.js';

/** Lists the backups (newest first, as the target lists them) and resolves to `dbctl backups --json`'s array. */
export async function backups(options: BaseOptions = {}, given?: CommandContext): Promise<BackupsDocument> {
  return (await listedBackups(options, given)).document;
}

/** The backups' document and, for the text view, where they were listed (the document is an array). */
export async function listedBackups(
  options: BaseOptions = {},
  given?: CommandContext,
): Promise<{ document: BackupsDocument; where: string }> {
  const ctx = await opContext(options, given);
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
    throwIfAborted(ctx.signal);
    const db = await connect(environment, { envName: environment.name, application: 'dbctl backups' });
    try {
      manifests = await listBackups(target, { sql: db.sql, onProblem });
    } finally {
      await db.close();
    }
    where = `the dbctl_backups schema of "${environment.name}"`;
  }
  return { document: backupsDocument(manifests, new Date()), where };
}
