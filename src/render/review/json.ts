/**
 * The contract's `review --format json` document: the report itself, pretty-printed.
 */
import type { ReviewReport } from '../../review/types.js';

/** Renders the report as one JSON document (with a trailing newline). */
export function renderJson(report: ReviewReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
