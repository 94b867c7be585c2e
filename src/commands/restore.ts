/**
 * `dbctl restore ID [--tables a,b] [--into-schema S] [--overwrite] [--allow-restore]`: puts a
 * backup back into the environment (dropped tables recreated with their rows, partitioned tables
 * with their partitions; dropped or retyped columns re-added and filled by primary key). A value
 * written since the backup is a conflict (exit 1, RESTORE_CONFLICT) unless `--overwrite`. On a protected environment it needs `--yes` or a confirmation when
 * interactive, `--allow-restore` when not (else exit 3). An unknown id is exit 2.
 */
import { projectTarget } from '../backup/migrate.js';
import { progressRenderer } from '../backup/progress.js';
import { renderRestore, restoreDocument } from '../backup/render.js';
import { readManifest, restoreBackup } from '../backup/restore.js';
import type { BackupManifest } from '../backup/types.js';
import { guardRestore } from '../core/guards.js';
import { DbctlError, ExitCode } from '../errors.js';
import { connect } from '../io/db.js';
import type { CommandContext } from '../ops/context.js';
import { environmentLabel, openProject, targetEnvironment } from '../ops/shared.js';

/** Options of `dbctl restore`. */
export interface RestoreCommandOptions {
  /** `[id]` */
  args?: string[];
  /** `--tables a,b,schema.c` */
  tables?: string;
  /** `--into-schema S` */
  intoSchema?: string;
  /** `--allow-restore` */
  allowRestore?: boolean;
  /** `--overwrite`: replace values written since the backup (otherwise such a conflict is exit 1) */
  overwrite?: boolean;
}

/** Runs `dbctl restore`. */
export async function runRestore(ctx: CommandContext, options: RestoreCommandOptions): Promise<number> {
  const id = options.args?.[0];
  if (!id) throw new DbctlError('USAGE', 'dbctl restore needs the id of a backup', { hint: 'run `dbctl backups` to see the backup ids' });
  const project = await openProject(ctx);
  const environment = targetEnvironment(ctx, project);
  const target = projectTarget(project);

  // a dir backup is checked before connecting: an unknown id fails fast (exit 2)
  let manifest: BackupManifest | null = target.kind === 'dir' ? await readManifest(target, id) : null;
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
    if (manifest.env !== environment.name) ctx.out.warn(`warning: backup ${id} was taken from environment "${manifest.env}", restoring into "${environment.name}"`);
    if (!ctx.out.json) ctx.out.info(`restoring ${what} into ${environmentLabel(environment)}`);
    const result = await restoreBackup(db.sql, target, id, {
      ...(options.tables ? { tables: [options.tables] } : {}),
      ...(options.intoSchema ? { intoSchema: options.intoSchema } : {}),
      ...(options.overwrite ? { overwrite: true } : {}),
      onProgress: progress.listener,
    });
    progress.stop();
    if (ctx.out.json) ctx.out.writeJson(restoreDocument(result));
    else for (const line of renderRestore(result, environment.name)) ctx.out.info(line);
    return ExitCode.ok;
  } finally {
    progress.stop();
    await db.close();
  }
}
