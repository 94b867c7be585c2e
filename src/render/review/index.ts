/**
 * Review report formatters: text (default), json (the contract's shape), junit, github (workflow
 * annotations), markdown (pull-request comment).
 */
import { DbctlError } from '../../errors.js';
import type { ReviewReport } from '../../review/types.js';
import { renderGithub } from './github.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderText } from './text.js';

/** The output formats of `dbctl review --format`. */
export type ReviewFormat = 'text' | 'json' | 'junit' | 'github' | 'markdown';

/** Every review format, for option validation and help. */
export const REVIEW_FORMATS: readonly ReviewFormat[] = ['text', 'json', 'junit', 'github', 'markdown'];

/** Formats whose stdout is only the format itself (summaries go to stderr). */
export const MACHINE_FORMATS: readonly ReviewFormat[] = ['json', 'junit', 'github'];

/** Validates `--format`; without one, `--json` means the json format, else text. */
export function chooseReviewFormat(json: boolean, format: string | undefined): ReviewFormat {
  const chosen = format ?? (json ? 'json' : 'text');
  if (!(REVIEW_FORMATS as readonly string[]).includes(chosen)) {
    throw new DbctlError('USAGE', `--format ${chosen} is not a review format`, { hint: `use one of ${REVIEW_FORMATS.join(', ')}` });
  }
  return chosen as ReviewFormat;
}

/** One line: "dbctl review: 2 errors, 1 warning in 3 migrations" (stderr beside a machine format). */
export function reviewSummaryLine(report: ReviewReport): string {
  const { errors, warnings } = report.summary;
  const n = report.migrations.length;
  return `dbctl review: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} in ${n} migration${n === 1 ? '' : 's'}`;
}

/** Renders a review report; `color` only affects `text`. */
export function renderReview(report: ReviewReport, format: ReviewFormat, options: { color: boolean }): string {
  switch (format) {
    case 'text':
      return renderText(report, options);
    case 'json':
      return renderJson(report);
    case 'junit':
      return renderJunit(report);
    case 'github':
      return renderGithub(report);
    case 'markdown':
      return renderMarkdown(report);
    default: {
      const never: never = format;
      throw new Error(`unknown review format: ${String(never)}`);
    }
  }
}
