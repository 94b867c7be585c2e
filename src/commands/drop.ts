/**
 * `dbctl drop [TAG]`: removes the newest migration (or TAG and those after it) from the folder
 * when it is applied nowhere dbctl can see: the `--env` given, else every configured environment
 * whose url is set in this shell. An environment that cannot be reached is not "nowhere": the
 * command refuses (exit 4) rather than guess.
 */
import path from 'node:path';
import type { ProjectConfig, ResolvedEnvironment } from '../config/types.js';
import { DbctlError, ExitCode } from '../errors.js';
import { applyDrop, planDrop } from '../drizzle/drop.js';
import { connect } from '../io/db.js';
import type { CommandContext } from '../ops/context.js';
import { historyTables, openFolder, openProject, readStatus, targetEnvironment } from '../ops/shared.js';

/** Flags and arguments of `dbctl drop`. */
export interface DropOptions {
  args?: string[];
}

/** The `--json` document of `dbctl drop`. */
export interface DropDocument {
  dropped: string[];
  files: string[];
  /** Each environment looked at, and the dropped migrations applied there. */
  checked: { env: string; applied: string[] }[];
  status: 'dropped' | 'refused';
}

/** Runs `dbctl drop`: 0 dropped; 1 applied in an environment (nothing removed). */
export async function runDrop(ctx: CommandContext, options: DropOptions): Promise<number> {
  const project = await openProject(ctx);
  const folder = await openFolder(project);
  const plan = planDrop(folder, options.args?.[0], project.drizzle.prefix);
  const environments = ctx.globals.env !== undefined || ctx.globals.url !== undefined ? [targetEnvironment(ctx, project)] : visibleEnvironments(ctx, project);
  const checked: DropDocument['checked'] = [];
  for (const environment of environments) {
    const db = await connect(environment, { envName: environment.name, application: 'dbctl drop' });
    try {
      const status = await readStatus(db.sql, folder, historyTables(project));
      const applied = status.migrations.filter((m) => plan.tags.includes(m.migration.tag) && m.state !== 'pending').map((m) => m.migration.tag);
      checked.push({ env: environment.name, applied });
    } finally {
      await db.close();
    }
  }
  const appliedIn = checked.filter((c) => c.applied.length > 0);
  const files = plan.files.map((f) => path.relative(ctx.cwd, f) || f);
  if (appliedIn.length > 0) {
    const where = appliedIn.map((c) => `${c.env} (${c.applied.join(', ')})`).join('; ');
    if (ctx.out.json) ctx.out.writeJson({ dropped: [], files: [], checked, status: 'refused' } satisfies DropDocument);
    ctx.out.warn(`error: not dropped: applied in ${where}`);
    ctx.out.warn('hint: an applied migration stays; undo its changes with a new migration: dbctl revert <TAG>');
    return ExitCode.failure;
  }
  await applyDrop(folder, plan);
  if (ctx.out.json) ctx.out.writeJson({ dropped: plan.tags, files, checked, status: 'dropped' } satisfies DropDocument);
  const seen = checked.length > 0 ? `applied nowhere dbctl can see (${checked.map((c) => c.env).join(', ')})` : 'no environment url is set, so no database was checked';
  ctx.out.info(`dropped ${plan.tags.join(', ')}: ${seen}`);
  for (const file of files) ctx.out.info(`  removed ${file}`);
  return ExitCode.ok;
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
