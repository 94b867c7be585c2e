/**
 * unknown-rule: an ignore directive naming a rule id that does not exist. Reported by the engine.
 */
import type { Rule } from '../types.js';

/** Documents the engine's unknown-rule findings. */
const rule: Rule = {
  id: 'unknown-rule',
  defaultSeverity: 'warning',
  engine: true,
  docs: {
    problem: 'An ignore directive names a rule id dbctl does not know (a typo, or a rule of another linter): it suppresses nothing.',
    fix: 'Use an id from the rule table (`-- dbctl-ignore rule-id: reason`).',
  },
  check() {
    return;
  },
};

export default rule;
