/**
 * `drop`: removes the newest migration (or TAG and those after it) from the folder when it is
 * applied nowhere dbctl can see: the `env` given, else every configured environment whose url is
 * set. An environment that cannot be reached is not "nowhere": it refuses (exit 4) rather than guess.
 */
import path from 'node:path';
import type { ProjectConfig, ResolvedEnvironment } from '../config/types.js';
import { applyDrop, planDrop } from '../drizzle/drop.js';
import { DbctlError } from '../errors.js';
import { connect } from '../io/db.js';
import type { DropDocument } from '../render/drop.js';
import type { CommandContext } from './context.js';
import type { DropOptions } from './options.js';
import { opContext, throwIfAborted } from './run.js';
import { historyTables, openFolder, openProject, readStatus, targetEnvironment } from './shared.js';

/**
 * Drops the migrations and resolves to the document; when one is applied in an environment it
 * removes nothing and rejects (exit 1) with the `refused` document.
 */
export async function drop(options: DropOptions = {}, given?: CommandContext): Promise<DropDocument> {
  const ctx = await opContext(options, given);
  const project = await openProject(ctx);
  const folder = await openFolder(project);
  const plan = planDrop(folder, options.tag, project.drizzle.prefix);
  const environments =
    ctx.globals.env !== undefined || ctx.globals.url !== undefined ? [targetEnvironment(ctx, project)] : visibleEnvironments(ctx, project);
  const checked: DropDocument['checked'] = [];
  for (const environment of environments) {
    throwIfAborted(ctx.signal);
    const db = await connect(environment, { envName: environment.name, application: 'dbctl drop' });
    try {
      const status = await readStatus(db.sql, folder, historyTables(project));
      const applied = status.migrations
        .filter((m) => plan.tags.includes(m.migration.tag) && m.state !== 'pending')
        .map((m) => m.migration.tag);
      checked.push({ env: environment.name, applied });
    } finally {
      await db.close();
    }
  }
  const appliedIn = checked.filter((c) => c.applied.length > 0);
  if (appliedIn.length > 0) {
    const where = appliedIn.map((c) => `${c.env} (${c.applied.join(', ')})`).join('; ');
    const error = new DbctlError('OPERATION_FAILED', `not dropped: applied in ${where}`, {
      hint: 'an applied migration stays; undo its changes with a new migration: dbctl revert <TAG>',
    });
    error.document = { dropped: [], files: [], checked, status: 'refused' } satisfies DropDocument;
    throw error;
  }
  throwIfAborted(ctx.signal);
  await applyDrop(folder, plan);
  return { dropped: plan.tags, files: plan.files.map((f) => path.relative(ctx.cwd, f) || f), checked, status: 'dropped' };
}

/** The configured environments whose url can be resolved in this shell, resolved (others are out of sight). */
function visibleEnvironments(ctx: CommandContext, project: ProjectConfig): ResolvedEnvironment[] {
  const names: (string | undefined)[] = Object.keys(project.environments);
  return (names.length > 0 ? names : [undefined]).flatMap((name) => {
    try {
      return [targetEnvironment({ ...ctx, globals: { ...ctx.globals, env: name } }, project)];
    } catch (error) {
      if (error instanceof DbctlError && error.code === 'URL_UNSET') return [];
      throw error;
    }
  });
}
