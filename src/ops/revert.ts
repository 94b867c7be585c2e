/**
 * `revert`: writes a new migration that undoes TAG's schema changes (drizzle has no down
 * migrations; this is the fix-forward kind of undo), reviews and prints it, then says what to
 * change in the schema code so code and migrations agree again and, when TAG dropped data, which
 * backup holds it and the exact `dbctl restore` command. Needs no database.
 */
import path from 'node:path';
import type { ProjectConfig } from '../config/types.js';
import { DbctlError } from '../errors.js';
import { planRevert, writeRevert, type RevertPlan } from '../drizzle/revert/revert.js';
import { showSql } from '../render/fix.js';
import { showReview } from '../render/generate.js';
import { showBackups, type RevertBackup, type RevertDocument } from '../render/revert.js';
import { loadSqlParser } from '../sql/parser.js';
import type { CommandContext } from './context.js';
import type { RevertOptions } from './options.js';
import { reviewNewMigration } from './review-new.js';
import { opContext, throwIfAborted } from './run.js';
import { openProject } from './shared.js';

/** Writes the undoing migration (or nothing when nothing of TAG is still in place); exit 2 for an unknown TAG. */
export async function revert(options: RevertOptions, given?: CommandContext): Promise<RevertDocument> {
  const ctx = await opContext(options, given);
  const tag = options.tag;
  if (!tag)
    throw new DbctlError('USAGE', 'dbctl revert needs the tag of the migration to undo', {
      hint: 'e.g. dbctl revert 0003_add_age (`dbctl status` lists the tags)',
    });
  const project = await openProject(ctx);
  const settings = project.drizzle;
  const shown = (file: string) => path.relative(ctx.cwd, file) || file;
  const parser = await loadSqlParser();
  const plan = await planRevert(settings, tag, parser);
  const document: RevertDocument = {
    reverted: plan.tag,
    migration: null,
    statements: plan.statements,
    codeChanges: plan.codeChanges,
    later: plan.later,
    conflicts: plan.conflicts,
    overlaps: plan.overlaps,
    destroyed: plan.destroyed,
    backups: [],
    review: null,
  };
  if (plan.statements.length === 0) {
    ctx.out.info(`${plan.tag} made no schema change that is still in place; nothing to revert, nothing written`);
    return document;
  }
  for (const rename of plan.renames) ctx.out.info(`~ ${rename.to} › ${rename.from}  (${rename.kind} renamed back)`);
  throwIfAborted(ctx.signal); // the last point where nothing is written
  const written = (await writeRevert(settings, plan, { name: options.name }))!;
  document.migration = {
    tag: written.tag,
    file: shown(written.sqlPath),
    snapshot: shown(written.snapshotPath),
    statements: written.statements.length,
  };
  ctx.out.info(
    `✓ wrote ${shown(written.sqlPath)}: undoes ${plan.tag} (${written.statements.length} statement${written.statements.length === 1 ? '' : 's'})`,
  );
  ctx.out.info(`  and ${shown(written.snapshotPath)}${written.journalPath ? `, ${shown(written.journalPath)}` : ''}`);
  showSql(ctx.out, written.statements);
  document.review = await reviewNewMigration(project, written);
  showReview(document.review, ctx.out);

  if (plan.later.length > 0) {
    ctx.out.info(
      `note: ${plan.tag} is not the newest migration; only its own changes are undone, on top of ${plan.later[plan.later.length - 1]}`,
    );
    if (plan.overlaps.length > 0)
      ctx.out.info(`      later migrations also change ${plan.overlaps.join(', ')}: check the statements above`);
    for (const conflict of plan.conflicts) ctx.out.info(`      not undone: ${conflict}`);
    for (const object of plan.cascaded) ctx.out.info(`      also removed: ${object} (it depends on what is undone)`);
  }
  if (plan.codeChanges.length > 0) {
    ctx.out.info(
      'Change the schema code back so code and migrations agree (until then `dbctl check` fails and `dbctl generate` would redo it):',
    );
    for (const line of plan.codeChanges) ctx.out.info(`  - ${line}`);
  }
  if (plan.destroyed.length > 0) {
    document.backups = await backupsOf(ctx, project, plan);
    showBackups(ctx.out, document, {
      target: project.backup.target,
      dir: path.relative(ctx.cwd, project.backup.dir) || project.backup.dir,
    });
  }
  ctx.out.info(`next: review ${shown(written.sqlPath)}, change the code as listed, commit, and apply it with \`dbctl migrate\``);
  return document;
}

/** Backups taken for TAG (the `dir` target; the `database` target needs a connection revert does not open). */
async function backupsOf(ctx: CommandContext, project: ProjectConfig, plan: RevertPlan): Promise<RevertBackup[]> {
  if (project.backup.target !== 'dir') return [];
  try {
    const { listBackups, projectTarget } = await import('../backup/index.js');
    const manifests = await listBackups(projectTarget(project), { onProblem: (message) => ctx.out.warn(`warning: ${message}`) });
    return manifests
      .filter((m) => m.tag === plan.tag)
      .map((m) => ({
        id: m.id,
        env: m.env,
        createdAt: m.createdAt,
        objects: m.objects.map((o) => `${o.schema}.${o.table}${o.whole ? '' : ` (${o.affectedColumns.join(', ')})`}, ${o.rows} rows`),
        command: `dbctl restore ${m.id} --env ${m.env}`,
      }));
  } catch (error) {
    ctx.out.warn(`warning: could not list backups: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
}
