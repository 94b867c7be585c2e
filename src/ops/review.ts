/**
 * `review`: lints migrations with the real PostgreSQL parser: the named ones, all, those added
 * since a git ref, those pending in the environment (with `env`, weighing each finding with the
 * live table sizes; read-only), else the newest. Resolves to the report; review errors reject.
 */
import { ExitCode } from '../errors.js';
import type { ReviewReport } from '../review/types.js';
import { loadSqlParser, primeSqlParser } from '../sql/parser.js';
import type { CommandContext } from './context.js';
import type { ReviewOptions } from './options.js';
import { reviewSelected } from './review-select.js';
import { opContext, outcome } from './run.js';
import { openFolder, openProject } from './shared.js';

/** Reviews the selected migrations; rejects (exit 1, `reported`, the report as document) when the review has errors. */
export async function review(options: ReviewOptions = {}, given?: CommandContext): Promise<ReviewReport> {
  const ctx = await opContext(options, given);
  // without an environment review nearly always parses something: compile the parser while the config and folder load
  if (!ctx.globals.envExplicit) loadSqlParser().catch(() => undefined);
  const project = await openProject(ctx);
  const folder = await openFolder(project);
  primeSqlParser(folder.migrations.map((m) => m.text)); // a file the parse cache lacks: load the parser now
  const { report } = await reviewSelected(ctx, project, folder, {
    tags: options.tags ?? [],
    all: Boolean(options.all),
    since: options.since,
    appliedBy: options.appliedBy,
  });
  if (report.summary.errors > 0) throw outcome('review', ExitCode.failure, report);
  return report;
}
