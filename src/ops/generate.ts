/**
 * `generate`: drizzle-kit generate, then a review of the new migration. Needs no database.
 *
 * Rename questions drizzle-kit would ask are answered with `rename` (`FROM=TO`) or `create`
 * (`NAME`). In an interactive run (a terminal, not CI, not `--json`) a question no answer covers is
 * asked with a picker, and the flags that repeat the answers are printed; elsewhere an unanswered
 * one fails with exit 2 listing every question and the flags that answer it, and nothing is written.
 */
import path from 'node:path';
import { ExitCode } from '../errors.js';
import { generateMigration, shellWord } from '../drizzle/generate/index.js';
import { generateDocument, type GenerateDocument } from '../render/generate.js';
import type { CommandContext } from './context.js';
import type { GenerateOptions } from './options.js';
import { reviewNewMigration } from './review-new.js';
import { opContext, outcome, throwIfAborted } from './run.js';
import { openProject } from './shared.js';

/** Writes the migration and reviews it; rejects (exit 1, `reported`) when the review has errors: the migration stays written. */
export async function generate(options: GenerateOptions = {}, given?: CommandContext): Promise<GenerateDocument> {
  const ctx = await opContext(options, given);
  const project = await openProject(ctx);
  const settings = project.drizzle;
  throwIfAborted(ctx.signal);
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
    const flags = [
      ...(options.rename ?? []).map((r) => `--rename ${shellWord(r)}`),
      ...(options.create ?? []).map((c) => `--create ${shellWord(c)}`),
      ...result.askedFlags,
    ];
    ctx.out.info(
      `to repeat these answers without a terminal (CI): dbctl generate${options.name ? ` --name ${shellWord(options.name)}` : ''} ${flags.join(' ')}`,
    );
  }
  const migration = result.migration;
  if (!migration) {
    ctx.out.info('No schema changes, nothing to migrate');
    return generateDocument(result, null, shown);
  }
  if (migration.custom) ctx.out.info(`✓ wrote ${shown(migration.sqlPath)}: an empty migration for your SQL`);
  else
    ctx.out.info(
      `✓ wrote ${shown(migration.sqlPath)} (${migration.statements.length} statement${migration.statements.length === 1 ? '' : 's'})`,
    );
  ctx.out.info(`  and ${shown(migration.snapshotPath)}${migration.journalPath ? `, ${shown(migration.journalPath)}` : ''}`);
  const document = generateDocument(result, await reviewNewMigration(project, migration), shown);
  if (document.review!.summary.errors > 0) throw outcome('generate', ExitCode.failure, document);
  return document;
}
