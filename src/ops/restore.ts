/**
 * `restore`: puts a backup back into the environment (dropped tables recreated with their rows,
 * partitioned tables with their partitions; dropped or retyped columns re-added and filled by
 * primary key). A value written since the backup is a conflict (RESTORE_CONFLICT) unless
 * `overwrite`. On a protected environment it needs `yes` or a confirmation when interactive,
 * `allowRestore` when not (else REFUSED). An unknown id is exit 2.
 */
import { projectTarget } from '../backup/migrate.js';
import { progressRenderer } from '../backup/progress.js';
import { restoreDocument, type RestoreDocument } from '../backup/render.js';
import { readManifest, restoreBackup } from '../backup/restore.js';
import type { BackupManifest } from '../backup/types.js';
import { guardRestore } from '../core/guards.js';
import { DbctlError } from '../errors.js';
import { connect } from '../io/db.js';
import type { CommandContext } from './context.js';
import type { RestoreOptions } from './options.js';
import { opContext, throwIfAborted } from './run.js';
import { environmentLabel, openProject, targetEnvironment } from './shared.js';

/** Restores backup `options.id` and resolves to its document. */
export async function restore(options: RestoreOptions, given?: CommandContext): Promise<RestoreDocument> {
  const ctx = await opContext(options, given);
  const id = options.id;
  if (!id) throw new DbctlError('USAGE', 'dbctl restore needs the id of a backup', { hint: 'run `dbctl backups` to see the backup ids' });
  const tables = Array.isArray(options.tables) ? options.tables.join(',') : options.tables;
  const project = await openProject(ctx);
  const environment = targetEnvironment(ctx, project);
  const target = projectTarget(project);

  // a dir backup is checked before connecting: an unknown id fails fast (exit 2)
  let manifest: BackupManifest | null = target.kind === 'dir' ? await readManifest(target, id) : null;
  throwIfAborted(ctx.signal);
  const db = await connect(environment, { envName: environment.name, application: 'dbctl restore' });
  const progress = progressRenderer(ctx.out);
  try {
    manifest ??= await readManifest(target, id, db.sql);
    const what = `backup ${id} (${manifest.objects.map((o) => `${o.schema}.${o.table}`).join(', ') || 'no tables'})${options.intoSchema ? ` into schema ${options.intoSchema}` : ''}`;
    const decision = guardRestore(
      {
        envName: environment.name,
        protected: environment.protected,
        protectionReasons: environment.protectionReasons,
        interactive: ctx.out.interactive,
        yes: ctx.globals.yes,
      },
      { allowRestore: Boolean(options.allowRestore), what },
    );
    if (decision.action === 'refuse') throw new DbctlError('REFUSED', decision.message, { hint: decision.hint });
    if (decision.action === 'confirm') {
      const { default: prompts } = await import('prompts');
      const answer = await prompts({ type: 'confirm', name: 'ok', message: decision.question, initial: false });
      if (answer.ok !== true) throw new DbctlError('REFUSED', `restore into "${environment.name}" was not confirmed; nothing was changed`);
    }
    if (manifest.env !== environment.name)
      ctx.out.warn(`warning: backup ${id} was taken from environment "${manifest.env}", restoring into "${environment.name}"`);
    if (!ctx.out.json) ctx.out.info(`restoring ${what} into ${environmentLabel(environment)}`);
    throwIfAborted(ctx.signal);
    const result = await restoreBackup(db.sql, target, id, {
      ...(tables ? { tables: [tables] } : {}),
      ...(options.intoSchema ? { intoSchema: options.intoSchema } : {}),
      ...(options.overwrite ? { overwrite: true } : {}),
      onProgress: progress.listener,
    });
    progress.stop();
    return restoreDocument(result, environment.name);
  } finally {
    progress.stop();
    await db.close();
  }
}
