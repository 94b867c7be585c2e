/**
 * rename-as-drop-and-add (dbctl): drizzle-kit turns a rename it was not told about into a drop
 * plus an add. A DROP COLUMN and an ADD COLUMN on the same table in one migration, or a DROP TABLE
 * and a CREATE TABLE with similar columns, is data loss disguised as a schema change.
 */
import { createTableElements, rangeVarName, typeInfo, type TypeInfo } from '../../sql/ast.js';
import type { Rule, RuleContext, RuleFinding, RuleStatement } from '../types.js';
import { alterTable, columnRenameFlag, perMigration, shortTable, tableRenameFlag } from '../rule-support.js';

/** A column added somewhere in the migration. */
interface Added {
  table: string;
  column: string;
  type: TypeInfo;
}

function addedColumns(ctx: RuleContext): Added[] {
  return perMigration(ctx, 'addedColumns', () => collectAddedColumns(ctx));
}

function collectAddedColumns(ctx: RuleContext): Added[] {
  const out: Added[] = [];
  for (const stmt of ctx.statements) {
    const alter = alterTable(stmt);
    if (!alter) continue;
    for (const cmd of alter.cmds) {
      if (cmd.subtype === 'AT_AddColumn' && cmd.def?.ColumnDef) {
        out.push({ table: alter.table.qualified, column: String(cmd.def.ColumnDef.colname), type: typeInfo(cmd.def.ColumnDef.typeName) });
      }
    }
  }
  return out;
}

function createdTables(ctx: RuleContext): { table: string; columns: string[] }[] {
  return perMigration(ctx, 'createdTables', () => collectCreatedTables(ctx));
}

function collectCreatedTables(ctx: RuleContext): { table: string; columns: string[] }[] {
  return ctx.statements
    .filter((s) => s.kind === 'CreateStmt' && s.node)
    .map((s) => ({
      table: rangeVarName(s.node.relation).qualified,
      columns: createTableElements(s.node).columns.map((c: any) => String(c.colname)),
    }));
}

function columnFindings(stmt: RuleStatement, ctx: RuleContext): RuleFinding[] {
  const out: RuleFinding[] = [];
  const drops = stmt.classification.destroys.filter((d) => d.kind === 'column' && d.reason === 'DROP COLUMN');
  if (drops.length === 0) return out;
  const added = addedColumns(ctx);
  const alter = alterTable(stmt);
  for (const drop of drops) {
    const table = `${drop.schema}.${drop.table}`;
    const oldType = ctx.knowledge.columnType(table, drop.column!);
    const candidates = added
      .filter((a) => a.table === table && a.column !== drop.column)
      .sort((a, b) => Number(oldType !== undefined && b.type.display === oldType.display) - Number(oldType !== undefined && a.type.display === oldType.display));
    if (candidates.length === 0) continue;
    const t = shortTable(table);
    const names = candidates.slice(0, 3).map((c) => c.column);
    out.push({
      message: `${t}.${drop.column} is dropped and ${names.map((n) => `${t}.${n}`).join(' / ')} ${names.length > 1 ? 'are' : 'is'} added in the same migration: if this was a rename, drizzle generated a drop plus an add and every value of ${drop.column} is lost.`,
      fix: `If it was a rename, regenerate with \`dbctl generate ${columnRenameFlag(table, drop.column!, names[0]!)}\`${names.length > 1 ? ` (or ${names.slice(1).map((n) => `\`${columnRenameFlag(table, drop.column!, n)}\``).join(', ')})` : ''}: drizzle-kit then writes RENAME COLUMN and keeps the data. If it really is a drop and an add, mark it \`-- dbctl-ignore rename-as-drop-and-add: not a rename\`.`,
      at: alter?.location ?? -1,
    });
  }
  return out;
}

function tableFindings(stmt: RuleStatement, ctx: RuleContext): RuleFinding[] {
  const dropped = stmt.classification.destroys.filter((d) => d.kind === 'table');
  if (dropped.length === 0) return [];
  const created = createdTables(ctx);
  const droppedInMigration = ctx.statements.flatMap((s) => s.classification.destroys.filter((d) => d.kind === 'table'));
  const out: RuleFinding[] = [];
  for (const drop of dropped) {
    const table = `${drop.schema}.${drop.table}`;
    const known = ctx.knowledge.tableColumns(table);
    const oldColumns = known ? [...known.keys()] : undefined;
    let best: { table: string; similarity: number | undefined } | undefined;
    for (const candidate of created) {
      if (candidate.table === table) continue;
      if (oldColumns) {
        const union = new Set([...oldColumns, ...candidate.columns]);
        const shared = candidate.columns.filter((c) => oldColumns.includes(c)).length;
        const similarity = union.size === 0 ? 0 : shared / union.size;
        if (similarity >= 0.5 && (!best || similarity > (best.similarity ?? 0))) best = { table: candidate.table, similarity };
      } else if (created.length === 1 && droppedInMigration.length === 1) {
        best = { table: candidate.table, similarity: undefined };
      }
    }
    if (!best) continue;
    const how = best.similarity !== undefined ? ` with ${Math.round(best.similarity * 100)}% of the same columns` : '';
    out.push({
      message: `${shortTable(table)} is dropped and ${shortTable(best.table)} is created${how} in the same migration: if this was a rename, drizzle generated a drop plus a create and every row of ${shortTable(table)} is lost.`,
      fix: `If it was a rename, regenerate with \`dbctl generate ${tableRenameFlag(table, best.table)}\`: drizzle-kit then writes ALTER TABLE ... RENAME TO and keeps the rows. If it really is a new table, mark it \`-- dbctl-ignore rename-as-drop-and-add: not a rename\`.`,
    });
  }
  return out;
}

/** Flags drop-plus-add pairs that look like an unanswered drizzle rename. */
const rule: Rule = {
  id: 'rename-as-drop-and-add',
  defaultSeverity: 'error',
  docs: {
    problem:
      'When drizzle-kit is not told that a column or table was renamed, it generates a DROP plus an ADD/CREATE: the migration looks like a schema change but deletes the data of the old column or table.',
    fix: 'If it was a rename, regenerate the migration with `dbctl generate --rename table.old_column=table.new_column` (or `--rename old_table=new_table`); drizzle-kit then writes a RENAME that keeps the data.',
  },
  check(stmt, ctx) {
    return [...columnFindings(stmt, ctx), ...tableFindings(stmt, ctx)];
  },
};

export default rule;
