/**
 * ban-alter-domain-with-add-constraint (squawk): ALTER DOMAIN ... ADD CONSTRAINT checks every
 * column of every table that uses the domain, under lock.
 */
import { nodeOf, typeQualifiedName } from '../../sql/ast.js';
import type { Rule } from '../types.js';
import { shortTable } from '../rule-support.js';

/** Flags constraints added to a domain. */
const rule: Rule = {
  id: 'ban-alter-domain-with-add-constraint',
  defaultSeverity: 'error',
  docs: {
    problem:
      '`ALTER DOMAIN ... ADD CONSTRAINT` checks every value of every column of that domain, in every table, while holding locks that block writes; domains have no online way to change their constraints.',
    fix: 'Put the CHECK on the table columns instead (`ADD CONSTRAINT ... CHECK (...) NOT VALID`, then VALIDATE in a later migration); if the domain is only used by new tables, mark it `-- dbctl-ignore ban-alter-domain-with-add-constraint: reason`.',
  },
  kinds: ['AlterDomainStmt'],
  check(stmt) {
    if (stmt.kind !== 'AlterDomainStmt' || stmt.node?.subtype !== 'C') return;
    const domain = shortTable(typeQualifiedName(stmt.node.typeName).qualified);
    const constraint = nodeOf(stmt.node.def, 'Constraint');
    const notValid = Boolean(constraint?.skip_validation);
    return {
      message: notValid
        ? `ALTER DOMAIN ${domain} ADD CONSTRAINT ... NOT VALID: new values are checked, but validating it later still scans every column of type ${domain}, and domain constraints are hard to change online.`
        : `ALTER DOMAIN ${domain} ADD CONSTRAINT checks every column of type ${domain} in every table that uses it, holding locks that block writes until done.`,
      severity: notValid ? 'warning' : 'error',
      at: constraint?.location ?? -1,
    };
  },
};

export default rule;
