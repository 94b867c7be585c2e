/**
 * unreviewed-destruction (dbctl): the safety net for data loss. A statement the classification
 * calls destructive that no specific rule reports (DROP TYPE ... CASCADE, DROP SEQUENCE, DROP
 * EXTENSION CASCADE, ...) gets this finding from the engine, naming what it destroys.
 */
import type { Rule } from '../types.js';

/** Documents the engine's generic finding for destructive statements no rule covers. */
const rule: Rule = {
  id: 'unreviewed-destruction',
  defaultSeverity: 'error',
  engine: true,
  docs: {
    problem:
      "dbctl's classification says the statement destroys data (a type and the columns that use it, a sequence's position, an extension's objects, ...) and no specific rule covers it: the data is gone once it commits.",
    fix: 'Make sure nothing still needs the data (dbctl migrate backs it up first); if the loss is intended, mark it `-- dbctl-ignore unreviewed-destruction: reason`.',
  },
  check() {
    return;
  },
};

export default rule;
