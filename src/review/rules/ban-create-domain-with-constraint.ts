/**
 * ban-create-domain-with-constraint (squawk): a domain with a CHECK constraint cannot later change
 * that constraint without checking every column of the domain under lock.
 */
import { nodeOf, typeQualifiedName, type Pg } from '../../sql/ast.js';
import type { Rule } from '../types.js';
import { shortTable } from '../rule-support.js';

/** Flags CREATE DOMAIN with constraints. */
const rule: Rule = {
  id: 'ban-create-domain-with-constraint',
  defaultSeverity: 'warning',
  docs: {
    problem:
      'A domain with a CHECK constraint is hard to change later: adding or changing its constraint checks every column of the domain in every table under locks, and there is no NOT VALID + VALIDATE path that avoids it for existing columns.',
    fix: 'Create the domain without constraints (or use the base type) and put CHECK constraints on the table columns, where NOT VALID + VALIDATE CONSTRAINT works.',
  },
  kinds: ['CreateDomainStmt'],
  check(stmt) {
    if (stmt.kind !== 'CreateDomainStmt' || !stmt.node) return;
    const constraints: Pg.Constraint[] = (stmt.node.constraints ?? []).map((c) => nodeOf(c, 'Constraint') ?? {});
    const check = constraints.find((c) => c.contype === 'CONSTR_CHECK');
    if (!check) return;
    const domain = shortTable(typeQualifiedName(stmt.node.domainname).qualified);
    return {
      message: `Domain ${domain} is created with a CHECK constraint: changing that constraint later checks every column of type ${domain} under locks.`,
      at: check.location ?? -1,
    };
  },
};

export default rule;
