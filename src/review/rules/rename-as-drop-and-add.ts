/**
 * rename-as-drop-and-add (dbctl): drizzle-kit turns a rename it was not told about into a drop
 * plus an add. A column dropped and a column of a compatible type added to the same table in one
 * migration, or a table dropped and a table of the same shape created, may be data loss disguised
 * as a schema change. Reported on the ADD / CREATE statement (the DROP has its own data-loss
 * finding), as a warning; not at all when drizzle's snapshots show drizzle-kit asked the rename
 * question and was answered "create".
 */
import { createTableElements, nodeOf, rangeVarName, typeInfo, type TypeInfo } from '../../sql/ast.js';
import type { Rule, RuleContext, RuleFinding, RuleStatement } from '../types.js';
import { alterTable, columnRenameFlag, perMigration, shortTable, tableRenameFlag } from '../rule-support.js';

/** A broad type family: a rename keeps the data only between types of one family. */
export function typeFamily(type: TypeInfo): string {
  const name = type.name === 'character varying' ? 'varchar' : type.name;
  let family = name;
  if (
    [
      'int2',
      'int4',
      'int8',
      'smallint',
      'integer',
      'bigint',
      'serial',
      'serial2',
      'serial4',
      'serial8',
      'smallserial',
      'bigserial',
      'numeric',
      'decimal',
      'float4',
      'float8',
    ].includes(name)
  )
    family = 'number';
  else if (['text', 'varchar', 'bpchar', 'char', 'citext', 'name'].includes(name)) family = 'text';
  else if (['timestamp', 'timestamptz', 'date'].includes(name)) family = 'timestamp';
  else if (['json', 'jsonb'].includes(name)) family = 'json';
  else if (['time', 'timetz'].includes(name)) family = 'time';
  return `${family}${type.array ? '[]' : ''}`;
}

/** Dropped columns and tables of the migration, with their types from before it. */
interface Dropped {
  columns: { table: string; column: string; type: TypeInfo | undefined; statement: number }[];
  tables: { table: string; families: string[] | undefined; statement: number }[];
}

/** Computed at the migration's first statement, while the knowledge still describes the schema before it. */
function dropped(ctx: RuleContext): Dropped {
  return perMigration(ctx, 'rename-as-drop-and-add:dropped', () => {
    const out: Dropped = { columns: [], tables: [] };
    for (const stmt of ctx.statements) {
      for (const d of stmt.classification.destroys) {
        const table = `${d.schema}.${d.table}`;
        if (d.kind === 'column' && d.reason === 'DROP COLUMN' && d.column) {
          out.columns.push({ table, column: d.column, type: ctx.knowledge.columnType(table, d.column), statement: stmt.index });
        } else if (d.kind === 'table' && d.table) {
          const known = ctx.knowledge.tableColumns(table);
          out.tables.push({
            table,
            families: known ? [...known.values()].map((c) => typeFamily(c.type)).sort() : undefined,
            statement: stmt.index,
          });
        }
      }
    }
    return out;
  });
}

/** The columns the migration adds to each table (ADD COLUMN), for the "one drop, one add" fallback. */
function addedCount(ctx: RuleContext, table: string): number {
  return perMigration(ctx, `rename-as-drop-and-add:added:${table}`, () =>
    ctx.statements.reduce((n, s) => {
      const alter = alterTable(s);
      return n + (alter && alter.table.qualified === table ? alter.cmds.filter((c) => c.subtype === 'AT_AddColumn').length : 0);
    }, 0),
  );
}

function columnFindings(stmt: RuleStatement, ctx: RuleContext, drops: Dropped): RuleFinding[] {
  const alter = alterTable(stmt);
  if (!alter) return [];
  const out: RuleFinding[] = [];
  const table = alter.table.qualified;
  const dropsHere = drops.columns.filter((d) => d.table === table);
  if (dropsHere.length === 0) return [];
  for (const cmd of alter.cmds) {
    const def = nodeOf(cmd.def, 'ColumnDef');
    if (cmd.subtype !== 'AT_AddColumn' || !def) continue;
    const column = String(def.colname);
    const type = typeInfo(def.typeName);
    if (ctx.migration.answeredCreate?.includes(`${table}.${column}`)) continue;
    const candidates = dropsHere.filter((d) => {
      if (d.column === column) return false;
      if (d.type) return typeFamily(d.type) === typeFamily(type);
      return dropsHere.length === 1 && addedCount(ctx, table) === 1; // old type unknown: only an unambiguous pair
    });
    if (candidates.length === 0) continue;
    const t = shortTable(table);
    const names = candidates.slice(0, 3).map((c) => c.column);
    out.push({
      message: `${t}.${column} (${type.display}) is added and ${names.map((n) => `${t}.${n}`).join(' / ')} ${names.length > 1 ? 'are' : 'is'} dropped in the same migration with a compatible type: if this was a rename, drizzle generated a drop plus an add and every value of ${names[0]} is lost.`,
      fix: `If it was a rename, regenerate with \`dbctl generate ${columnRenameFlag(table, names[0]!, column)}\`${
        names.length > 1
          ? ` (or ${names
              .slice(1)
              .map((n) => `\`${columnRenameFlag(table, n, column)}\``)
              .join(', ')})`
          : ''
      }: drizzle-kit then writes RENAME COLUMN and keeps the data. If it really is a new column, mark it \`-- dbctl-ignore rename-as-drop-and-add: not a rename\`.`,
      at: def.location ?? alter.location,
    });
  }
  return out;
}

function tableFindings(stmt: RuleStatement, ctx: RuleContext, drops: Dropped): RuleFinding[] {
  if (stmt.kind !== 'CreateStmt' || !stmt.node || drops.tables.length === 0) return [];
  const table = rangeVarName(stmt.node.relation).qualified;
  if (ctx.migration.answeredCreate?.includes(table)) return [];
  const columns = createTableElements(stmt.node).columns;
  const families = columns.map((c) => typeFamily(typeInfo(c.typeName))).sort();
  const createdCount = ctx.statements.filter((s) => s.kind === 'CreateStmt').length;
  const match = drops.tables.find((d) => {
    if (d.table === table) return false;
    if (d.families) return d.families.length === families.length && d.families.every((f, i) => f === families[i]);
    return drops.tables.length === 1 && createdCount === 1;
  });
  if (!match) return [];
  const how = match.families ? ` with the same shape (${families.length} columns of the same types)` : '';
  return [
    {
      message: `${shortTable(table)} is created and ${shortTable(match.table)} is dropped${how} in the same migration: if this was a rename, drizzle generated a drop plus a create and every row of ${shortTable(match.table)} is lost.`,
      fix: `If it was a rename, regenerate with \`dbctl generate ${tableRenameFlag(match.table, table)}\`: drizzle-kit then writes ALTER TABLE ... RENAME TO and keeps the rows. If it really is a new table, mark it \`-- dbctl-ignore rename-as-drop-and-add: not a rename\`.`,
      at: stmt.node.relation?.location ?? -1,
    },
  ];
}

/** Flags added columns / created tables that look like the other half of an unanswered drizzle rename. */
const rule: Rule = {
  id: 'rename-as-drop-and-add',
  defaultSeverity: 'warning',
  docs: {
    problem:
      'When drizzle-kit is not told that a column or table was renamed, it generates a DROP plus an ADD/CREATE: the migration looks like a schema change but deletes the data of the old column or table. Reported on the added column (compatible type) or created table (same shape), unless drizzle\'s snapshots show the rename question was answered "create".',
    fix: 'If it was a rename, regenerate the migration with `dbctl generate --rename table.old_column=table.new_column` (or `--rename old_table=new_table`); drizzle-kit then writes a RENAME that keeps the data.',
  },
  check(stmt, ctx) {
    const drops = dropped(ctx);
    return [...columnFindings(stmt, ctx, drops), ...tableFindings(stmt, ctx, drops)];
  },
};

export default rule;
