/**
 * unused-ignore: a `-- dbctl-ignore` / `-- dbctl-ignore-file` directive that suppressed nothing.
 * Reported by the engine after the rules ran.
 */
import type { Rule } from '../types.js';

/** Documents the engine's unused-ignore findings. */
const rule: Rule = {
  id: 'unused-ignore',
  defaultSeverity: 'warning',
  engine: true,
  docs: {
    problem:
      'An ignore directive that suppresses nothing is misplaced (it only applies to the statement right after it) or stale, and would silently hide a future finding.',
    fix: 'Move `-- dbctl-ignore rule-id: reason` to the line right before the statement it is for, or remove it.',
  },
  check() {
    return;
  },
};

export default rule;
