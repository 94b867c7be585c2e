/**
 * `dbctl review [TAG...] [--all] [--since GITREF] [--format F]`: the review operation, printed in
 * the chosen format. Exit 0 clean or warnings only, 1 with errors.
 */
import type { CommandContext } from '../ops/context.js';
import type { ReviewOptions } from '../ops/options.js';
import { review } from '../ops/review.js';
import { chooseReviewFormat, MACHINE_FORMATS, renderReview, reviewSummaryLine } from '../render/review/index.js';
import { presentFormat } from './present.js';

export { appliedByDbctl } from '../ops/review-select.js';

/** Flags and arguments of `dbctl review`. */
export interface ReviewCommandOptions {
  args: string[];
  all?: boolean;
  since?: string;
  format?: string;
  /** `--applied-by dbctl|drizzle-kit`: overrides `review.appliedBy` (validated by the operation). */
  appliedBy?: string;
}

/** Runs `dbctl review`. */
export async function runReview(ctx: CommandContext, options: ReviewCommandOptions): Promise<number> {
  const format = chooseReviewFormat(ctx.out.json, options.format);
  const operation = () =>
    review(
      { tags: options.args, all: Boolean(options.all), since: options.since, appliedBy: options.appliedBy as ReviewOptions['appliedBy'] },
      ctx,
    );
  return await presentFormat(operation, (report) => {
    const rendered = renderReview(report, format, { color: ctx.out.color });
    if (rendered) ctx.out.writeStdout(rendered); // github with no findings: nothing at all on stdout
    // machine formats keep stdout to themselves: the summary line goes to stderr
    if (MACHINE_FORMATS.includes(format)) ctx.out.warn(reviewSummaryLine(report));
  });
}
