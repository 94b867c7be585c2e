/**
 * The classification of data statements (TRUNCATE, DELETE, UPDATE, INSERT, MERGE, COPY, SELECT):
 * rows destroyed (no WHERE) versus rows modified in a planned way (with WHERE, upserts).
 *
 * Pure: no fs, process or network.
 */
import { nodeOf } from '../../sql/ast.js';
import type { Handlers } from './effects.js';
import { columnKey, rangeVarName } from './names.js';

/** TRUNCATE, DELETE, UPDATE, INSERT, MERGE, COPY, SELECT. */
export const dmlHandlers: Handlers = {
  TruncateStmt(body, fx, objects) {
    const cascade = body.behavior === 'DROP_CASCADE';
    const names = (body.relations ?? []).map((r) => rangeVarName(r));
    for (const n of names) {
      fx.lock('ACCESS EXCLUSIVE', n.qualified);
      if (!objects.tables.has(n.qualified))
        fx.destroy(
          {
            kind: 'rows',
            schema: n.schema,
            table: n.name,
            reason: cascade ? 'TRUNCATE CASCADE' : 'TRUNCATE',
            ...(cascade ? { cascade } : {}),
          },
          n,
        );
    }
    return `TRUNCATE ${names.map((n: { qualified: string }) => n.qualified).join(', ')}${cascade ? ' CASCADE' : ''}`;
  },

  DeleteStmt(body, fx, objects) {
    const table = rangeVarName(body.relation);
    if (!body.whereClause) {
      fx.lock('ROW EXCLUSIVE', table.qualified, { scans: true, blocks: 'writes' });
      if (!objects.tables.has(table.qualified))
        fx.destroy({ kind: 'rows', schema: table.schema, table: table.name, reason: 'DELETE without WHERE' }, table);
      return `DELETE FROM ${table.qualified} (every row)`;
    }
    fx.lock('ROW EXCLUSIVE', table.qualified);
    fx.modify(table);
    return `DELETE FROM ${table.qualified} WHERE ...`;
  },

  UpdateStmt(body, fx, objects) {
    const table = rangeVarName(body.relation);
    const columns = (body.targetList ?? []).map((t) => String(nodeOf(t, 'ResTarget')?.name ?? '?'));
    if (!body.whereClause) {
      fx.lock('ROW EXCLUSIVE', table.qualified, { scans: true, rewrites: true, blocks: 'writes' });
      if (!objects.tables.has(table.qualified)) {
        for (const column of new Set<string>(columns)) {
          if (!objects.columns.has(columnKey(table.qualified, column))) {
            fx.destroy({ kind: 'column', schema: table.schema, table: table.name, column, reason: 'UPDATE without WHERE' }, table);
          }
        }
      }
      return `UPDATE ${table.qualified} SET ${columns.join(', ')} (every row)`;
    }
    fx.lock('ROW EXCLUSIVE', table.qualified);
    fx.modify(table);
    return `UPDATE ${table.qualified} SET ${columns.join(', ')} WHERE ...`;
  },

  InsertStmt(body, fx) {
    const table = rangeVarName(body.relation);
    fx.lock('ROW EXCLUSIVE', table.qualified);
    if (body.onConflictClause?.action === 'ONCONFLICT_UPDATE') fx.modify(table);
    return `INSERT INTO ${table.qualified}`;
  },

  MergeStmt(body, fx) {
    const table = rangeVarName(body.relation);
    fx.lock('ROW EXCLUSIVE', table.qualified);
    fx.modify(table);
    return `MERGE INTO ${table.qualified}`;
  },

  CopyStmt(body, fx) {
    const table = body.relation ? rangeVarName(body.relation).qualified : undefined;
    if (table) fx.lock(body.is_from ? 'ROW EXCLUSIVE' : 'ACCESS SHARE', table);
    return `COPY ${table ?? '(query)'} ${body.is_from ? 'FROM' : 'TO'} ...`;
  },

  SelectStmt() {
    return 'SELECT ...';
  },
};
