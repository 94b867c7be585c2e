/**
 * `dbctl check [--since GITREF] [--format F]`: the check operation (the CI pre-deploy gate),
 * printed in the chosen format. Exit 0 pass, 1 fail.
 */
import { check } from '../ops/check.js';
import type { CommandContext } from '../ops/context.js';
import type { CheckOptions } from '../ops/options.js';
import { CHECK_MACHINE_FORMATS, checkSummaryLine, chooseCheckFormat, renderCheck } from '../render/check.js';
import { presentFormat } from './present.js';

/** Flags of `dbctl check`. */
export interface CheckCommandOptions {
  since?: string;
  format?: string;
  /** `--applied-by dbctl|drizzle-kit`: overrides `review.appliedBy` (validated by the operation). */
  appliedBy?: string;
  /** `--baseline`: accept the folder problems there are now. */
  baseline?: boolean;
}

/** Runs `dbctl check`. */
export async function runCheck(ctx: CommandContext, options: CheckCommandOptions): Promise<number> {
  const format = chooseCheckFormat(ctx.out.json, options.format);
  const operation = () =>
    check({ since: options.since, appliedBy: options.appliedBy as CheckOptions['appliedBy'], baseline: options.baseline === true }, ctx);
  return await presentFormat(operation, (report) => {
    ctx.out.writeStdout(renderCheck(report, format));
    // machine formats keep stdout to themselves: the one-line summary goes to stderr
    if (CHECK_MACHINE_FORMATS.includes(format)) ctx.out.warn(checkSummaryLine(report));
  });
}
