/**
 * How one migration is cut into units of execution: consecutive statements that can share a
 * transaction run in one; a statement that cannot (CREATE INDEX CONCURRENTLY, VACUUM, ...) runs on
 * its own outside any; a statement whose effect must be committed before the next may use it
 * (`ALTER TYPE ... ADD VALUE` used later) closes its transaction; a COMMIT or BEGIN that only marks
 * where dbctl ends or opens a transaction anyway is in no segment (it is not run). Pure.
 */

/** The facts about a statement that decide where transactions begin and end. */
export interface StatementExecution {
  transactional: boolean;
  commitAfter: boolean;
  /** PostgreSQL accepts it only before any query of its transaction (`SET TRANSACTION ISOLATION LEVEL ...`). */
  beforeAnyQuery?: boolean;
  /** A COMMIT or BEGIN where dbctl ends or opens a transaction anyway (`StatementClassification.redundantControl`): not run. */
  redundantControl?: boolean;
}

/** A unit of execution: statement indexes run in one transaction, or one statement in autocommit. */
export interface Segment {
  transactional: boolean;
  statements: number[];
  /** Its first statement must come before any query of the transaction (see `StatementExecution`). */
  beforeAnyQuery?: boolean;
}

/** Cuts a migration's statements into segments, in order. */
export function planSegments(statements: readonly StatementExecution[]): Segment[] {
  const segments: Segment[] = [];
  let open: Segment | null = null;
  statements.forEach((statement, index) => {
    if (statement.redundantControl) return;
    if (!statement.transactional) {
      open = null;
      segments.push({ transactional: false, statements: [index] });
      return;
    }
    if (!open) {
      open = { transactional: true, statements: [], ...(statement.beforeAnyQuery ? { beforeAnyQuery: true } : {}) };
      segments.push(open);
    }
    open.statements.push(index);
    if (statement.commitAfter) open = null;
  });
  return segments;
}
