/**
 * `dbctl generate`: drizzle-kit generate, then a review of the new migration.
 *
 * Rename questions drizzle-kit would ask are answered with `--rename FROM=TO` (a rename) or
 * `--create NAME` (a new object). At a terminal (not CI) a question no flag answers is asked with a
 * picker, and the flags that repeat the answers are printed; elsewhere an unanswered one fails with
 * exit 2 listing every question and the flags that answer it, and nothing is written. Needs no database.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadProject } from '../config/index.js';
import type { ProjectConfig } from '../config/types.js';
import { ExitCode } from '../errors.js';
import { generateMigration, shellWord, type GenerateResult, type WrittenMigration } from '../drizzle/generate/index.js';
import type { CommandContext } from '../ops/context.js';

/** Flags of `dbctl generate`. */
export interface GenerateCommandOptions {
  /** `--name N`: the migration's name instead of a random one. */
  name?: string;
  /** `--custom`: an empty migration for hand-written SQL. */
  custom?: boolean;
  /** `--rename FROM=TO` (repeatable): TO is FROM renamed. */
  rename?: string[];
  /** `--create NAME` (repeatable): NAME is new, not a rename. */
  create?: string[];
}

/** Runs `dbctl generate`: 0, or 1 when the review of the new migration has errors. */
export async function runGenerate(ctx: CommandContext, options: GenerateCommandOptions): Promise<number> {
  const project = await loadProject({ cwd: ctx.cwd, configPath: ctx.globals.config, env: ctx.env });
  const settings = project.drizzle;
  const result = await generateMigration({
    configPath: settings.configPath,
    baseDir: settings.baseDir,
    dialect: settings.dialect,
    schema: settings.schema,
    out: settings.out,
    prefix: settings.prefix,
    casing: settings.casing,
    breakpoints: settings.breakpoints,
    name: options.name,
    custom: options.custom,
    renames: options.rename ?? [],
    creates: options.create ?? [],
    // at a terminal, a question no flag answers is asked, as drizzle-kit asks it
    ask: ctx.out.interactive && !ctx.out.json ? async (question) => (await import('../io/prompt.js')).askRename(question) : undefined,
  });
  const shown = (file: string) => path.relative(ctx.cwd, file) || file;
  for (const rename of result.renames) ctx.out.info(`~ ${rename.from} › ${rename.to}  (${rename.kind} renamed)`);
  if (result.askedFlags.length > 0) {
    const flags = [...(options.rename ?? []).map((r) => `--rename ${shellWord(r)}`), ...(options.create ?? []).map((c) => `--create ${shellWord(c)}`), ...result.askedFlags];
    ctx.out.info(`to repeat these answers without a terminal (CI): dbctl generate${options.name ? ` --name ${shellWord(options.name)}` : ''} ${flags.join(' ')}`);
  }
  const migration = result.migration;
  if (!migration) {
    ctx.out.info('No schema changes, nothing to migrate');
    if (ctx.out.json) ctx.out.writeJson(generateDocument(result, null, shown));
    return ExitCode.ok;
  }
  if (migration.custom) ctx.out.info(`✓ wrote ${shown(migration.sqlPath)}: an empty migration for your SQL`);
  else ctx.out.info(`✓ wrote ${shown(migration.sqlPath)} (${migration.statements.length} statement${migration.statements.length === 1 ? '' : 's'})`);
  ctx.out.info(`  and ${shown(migration.snapshotPath)}${migration.journalPath ? `, ${shown(migration.journalPath)}` : ''}`);
  const review = await reviewNewMigration(ctx, project, migration);
  if (ctx.out.json) ctx.out.writeJson(generateDocument(result, review.report, shown));
  else if (review.text) ctx.out.info(review.text.replace(/\n$/, ''));
  return review.errors > 0 ? ExitCode.failure : ExitCode.ok;
}

/** The `--json` document of a generate run. */
function generateDocument(result: GenerateResult, review: unknown, shown: (file: string) => string) {
  const migration = result.migration;
  return {
    migration: migration && {
      tag: migration.tag,
      idx: migration.idx,
      file: shown(migration.sqlPath),
      snapshot: shown(migration.snapshotPath),
      journal: migration.journalPath ? shown(migration.journalPath) : null,
      custom: migration.custom,
      statements: migration.statements.length,
    },
    renames: result.renames,
    review,
  };
}

/**
 * Reviews the migration just written (the earlier ones are context: they teach the review the
 * schema). The review modules and the SQL parser are imported only here, so a run that writes
 * nothing never loads them.
 */
export async function reviewNewMigration(
  ctx: CommandContext,
  project: ProjectConfig,
  migration: WrittenMigration,
): Promise<{ errors: number; report: unknown; text: string }> {
  const [{ reviewMigrations }, { renderReview }, { loadSqlParser }] = await Promise.all([
    import('../review/engine.js'),
    import('../render/review/index.js'),
    import('../sql/parser.js'),
  ]);
  const context = migration.earlier ?? (await earlierMigrations(migration));
  (await import('./review.js')).assertRuleSettings(project);
  const parser = await loadSqlParser();
  const report = reviewMigrations(
    {
      migrations: [{ tag: migration.tag, file: path.relative(project.projectDir, migration.sqlPath) || migration.sqlPath, sql: migration.sql }],
      rules: project.review.rules,
      appliedByDbctl: project.review.appliedBy !== 'drizzle-kit',
      context,
    },
    parser,
  );
  const text = ctx.out.json ? '' : renderReview(report, 'text', { color: ctx.out.color });
  return { errors: report.summary.errors, report, text };
}

/** The SQL of the migrations before `migration`, in journal order (missing files are skipped). */
async function earlierMigrations(migration: WrittenMigration): Promise<{ tag: string; sql: string }[]> {
  const journal = JSON.parse(await readFile(migration.journalPath, 'utf8')) as { entries: { tag: string }[] };
  const out = path.dirname(migration.sqlPath);
  const tags = journal.entries.map((entry) => entry.tag).filter((tag) => tag !== migration.tag);
  const texts = await Promise.all(tags.map((tag) => readFile(path.join(out, `${tag}.sql`), 'utf8').catch(() => null)));
  return tags.flatMap((tag, index) => (texts[index] === null || texts[index] === undefined ? [] : [{ tag, sql: texts[index] }]));
}
