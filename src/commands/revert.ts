/**
 * `dbctl revert TAG [--name N]`: writes a new migration that undoes TAG's schema changes (drizzle
 * has no down migrations; this is the fix-forward kind of undo), reviews and prints it, then says
 * what to change in the schema code so code and migrations agree again and, when TAG dropped data,
 * which backup holds it and the exact `dbctl restore` command. Needs no database.
 */
import path from 'node:path';
import type { ProjectConfig } from '../config/types.js';
import { DbctlError, ExitCode } from '../errors.js';
import { planRevert, writeRevert, type RevertPlan } from '../drizzle/revert/revert.js';
import { loadSqlParser } from '../sql/parser.js';
import type { CommandContext } from './context.js';
import { printSql } from './fix.js';
import { reviewNewMigration } from './generate.js';
import { openProject } from './shared.js';

/** Flags and arguments of `dbctl revert`. */
export interface RevertOptions {
  /** `[TAG]`: the migration to undo. */
  args?: string[];
  /** `--name N`: the new migration's name (default `revert_<TAG>`). */
  name?: string;
}

/** A backup holding data TAG dropped. */
export interface RevertBackup {
  id: string;
  env: string;
  createdAt: string;
  objects: string[];
  command: string;
}

/** The `--json` document of `dbctl revert`. */
export interface RevertDocument {
  reverted: string;
  migration: { tag: string; file: string; snapshot: string; statements: number } | null;
  statements: string[];
  codeChanges: string[];
  later: string[];
  conflicts: string[];
  overlaps: string[];
  destroyed: string[];
  backups: RevertBackup[];
  review: unknown;
}

/** Runs `dbctl revert`: 0 (written, or nothing to undo); exit 2 for an unknown TAG. */
export async function runRevert(ctx: CommandContext, options: RevertOptions): Promise<number> {
  const tag = options.args?.[0];
  if (!tag) throw new DbctlError('USAGE', 'dbctl revert needs the tag of the migration to undo', { hint: 'e.g. dbctl revert 0003_add_age (`dbctl status` lists the tags)' });
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
    if (ctx.out.json) ctx.out.writeJson(document);
    return ExitCode.ok;
  }
  for (const rename of plan.renames) ctx.out.info(`~ ${rename.to} › ${rename.from}  (${rename.kind} renamed back)`);
  const written = (await writeRevert(settings, plan, { name: options.name }))!;
  document.migration = { tag: written.tag, file: shown(written.sqlPath), snapshot: shown(written.snapshotPath), statements: written.statements.length };
  ctx.out.info(`✓ wrote ${shown(written.sqlPath)}: undoes ${plan.tag} (${written.statements.length} statement${written.statements.length === 1 ? '' : 's'})`);
  ctx.out.info(`  and ${shown(written.snapshotPath)}${written.journalPath ? `, ${shown(written.journalPath)}` : ''}`);
  if (!ctx.out.json) printSql(ctx, written.statements);
  const review = await reviewNewMigration(ctx, project, written);
  document.review = review.report;
  if (!ctx.out.json && review.text) ctx.out.info(review.text.replace(/\n$/, ''));

  if (plan.later.length > 0) {
    ctx.out.info(`note: ${plan.tag} is not the newest migration; only its own changes are undone, on top of ${plan.later[plan.later.length - 1]}`);
    if (plan.overlaps.length > 0) ctx.out.info(`      later migrations also change ${plan.overlaps.join(', ')}: check the statements above`);
    for (const conflict of plan.conflicts) ctx.out.info(`      not undone: ${conflict}`);
    for (const object of plan.cascaded) ctx.out.info(`      also removed: ${object} (it depends on what is undone)`);
  }
  if (plan.codeChanges.length > 0) {
    ctx.out.info('Change the schema code back so code and migrations agree (until then `dbctl check` fails and `dbctl generate` would redo it):');
    for (const line of plan.codeChanges) ctx.out.info(`  - ${line}`);
  }
  if (plan.destroyed.length > 0) {
    document.backups = await backupsOf(ctx, project, plan);
    printBackups(ctx, project, plan, document.backups);
  }
  ctx.out.info(`next: review ${shown(written.sqlPath)}, change the code as listed, commit, and apply it with \`dbctl migrate\``);
  if (ctx.out.json) ctx.out.writeJson(document);
  return ExitCode.ok;
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

function printBackups(ctx: CommandContext, project: ProjectConfig, plan: RevertPlan, backups: RevertBackup[]): void {
  ctx.out.info(`${plan.tag} dropped data: ${plan.destroyed.join(', ')}; this migration brings the structure back, not the rows.`);
  if (project.backup.target === 'database') {
    ctx.out.info('  Backups are kept in the database (backup target `database`): list them with `dbctl backups --env <env>`,');
    ctx.out.info(`  then, after \`dbctl migrate\` has applied this migration there: dbctl restore <id> --env <env> (the backup whose tag is ${plan.tag})`);
    return;
  }
  if (backups.length === 0) {
    ctx.out.info(`  No backup taken for ${plan.tag} was found in ${path.relative(ctx.cwd, project.backup.dir) || project.backup.dir} (dbctl migrate takes one before each destructive migration).`);
    ctx.out.info('  Where the backups of an environment are kept elsewhere, list them there with `dbctl backups --env <env>`.');
    return;
  }
  ctx.out.info('  The data is in these backups; after `dbctl migrate` has applied this migration in an environment, restore it there:');
  for (const backup of backups) ctx.out.info(`    ${backup.command}   (${backup.env}, ${backup.createdAt}${backup.objects.length ? `: ${backup.objects.join(', ')}` : ''})`);
}
