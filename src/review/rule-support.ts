/**
 * Helpers shared by the rules in rules/ (not a rule itself): reading ALTER TABLE commands,
 * column definitions and names, timeout settings, the check the two prefer-bigint rules share.
 */
import {
  columnConstraints,
  createTableElements,
  nodeOf,
  rangeVarName,
  stringList,
  typeInfo,
  type Pg,
  type QualifiedName,
  type TypeInfo,
} from '../sql/ast.js';
import type { Rule, RuleContext, RuleFinding, RuleStatement } from './types.js';

/** An ALTER TABLE on a table (not an index, view or sequence): its target and unwrapped commands. */
export interface AlterTable {
  table: QualifiedName;
  /** Location of the table name, for the caret. */
  location: number;
  cmds: Pg.AlterTableCmd[];
}

/**
 * Values derived from one statement that several rules read (about 15 rules look at its ALTER
 * TABLE, 8 at its column types): computed once per statement, not once per rule. The results
 * are shared: callers must not change them.
 */
const alterTables = new WeakMap<RuleStatement, AlterTable | null>();
const columnTypeUses = new WeakMap<RuleStatement, ColumnTypeUse[]>();
/** Per statement and the context it was asked in (a statement belongs to one migration's context). */
const addedColumns = new WeakMap<RuleStatement, { ctx: RuleContext; columns: AddedColumn[] }>();

/** The ALTER TABLE of a statement, or null for any other statement. */
export function alterTable(stmt: RuleStatement): AlterTable | null {
  if (stmt.kind !== 'AlterTableStmt' || !stmt.node) return null;
  let alter = alterTables.get(stmt);
  if (alter === undefined) {
    const objtype = stmt.node.objtype ?? 'OBJECT_TABLE';
    alter =
      objtype !== 'OBJECT_TABLE'
        ? null
        : {
            table: rangeVarName(stmt.node.relation),
            location: stmt.node.relation?.location ?? -1,
            cmds: (stmt.node.cmds ?? []).map((c) => nodeOf(c, 'AlterTableCmd') ?? {}),
          };
    alterTables.set(stmt, alter);
  }
  return alter;
}

/**
 * The ALTER TABLE of a statement when its table existed before this migration, else null: the
 * hazards of changing a table (locks held over rows, scans, rewrites) exist only where rows may be.
 */
export function alterExistingTable(stmt: RuleStatement, ctx: RuleContext): AlterTable | null {
  const alter = alterTable(stmt);
  return alter && isExisting(alter.table.qualified, stmt, ctx) ? alter : null;
}

/** What a rule finds in one ALTER TABLE command: one finding, several, or none. */
export type CommandFindings = RuleFinding | RuleFinding[] | undefined;

/**
 * The findings of a rule that judges an ALTER TABLE command by command: `find` is called on each
 * command of `alter` in order and what it returns is collected. No ALTER TABLE (null, e.g. from
 * alterExistingTable on a new table), no findings (undefined).
 */
export function findingsPerCommand(
  alter: AlterTable | null,
  find: (cmd: Pg.AlterTableCmd, alter: AlterTable) => CommandFindings,
): RuleFinding[] | undefined {
  if (!alter) return undefined;
  const out: RuleFinding[] = [];
  for (const cmd of alter.cmds) {
    const found = find(cmd, alter);
    if (Array.isArray(found)) out.push(...found);
    else if (found) out.push(found);
  }
  return out;
}

/** The constraint an `ADD CONSTRAINT` command adds, or undefined for any other command. */
export function addedConstraint(cmd: Pg.AlterTableCmd): Pg.Constraint | undefined {
  return cmd.subtype === 'AT_AddConstraint' ? nodeOf(cmd.def, 'Constraint') : undefined;
}

/** True when `table` existed before this migration (was not created earlier in it). */
export function isExisting(table: string, stmt: RuleStatement, ctx: RuleContext): boolean {
  return !stmt.classification.newTables.includes(table) && !ctx.isNewTable(table, stmt.index);
}

/** A column that an ALTER TABLE ... ADD COLUMN adds to a table that existed before the migration. */
export interface AddedColumn {
  /** Qualified table name. */
  table: string;
  /** The table as messages show it (`public.` dropped). */
  shortTable: string;
  column: string;
  /** The ColumnDef node. */
  def: Pg.ColumnDef;
  /** Its column constraints (NOT NULL, DEFAULT, PRIMARY KEY, IDENTITY, ...). */
  constraints: Pg.Constraint[];
}

/**
 * The ADD COLUMNs of a statement that touch an existing table: the hazards of adding a column
 * (rewrites, failing NOT NULL, index builds) exist only where rows may already be.
 */
export function columnsAddedToExistingTable(stmt: RuleStatement, ctx: RuleContext): AddedColumn[] {
  if (stmt.kind !== 'AlterTableStmt') return [];
  const known = addedColumns.get(stmt);
  if (known && known.ctx === ctx) return known.columns;
  const columns = addedColumnsOf(stmt, ctx);
  addedColumns.set(stmt, { ctx, columns });
  return columns;
}

function addedColumnsOf(stmt: RuleStatement, ctx: RuleContext): AddedColumn[] {
  const alter = alterExistingTable(stmt, ctx);
  if (!alter) return [];
  return alter.cmds
    .filter((cmd) => cmd.subtype === 'AT_AddColumn')
    .map((cmd) => {
      const def = nodeOf(cmd.def, 'ColumnDef') ?? {};
      return {
        table: alter.table.qualified,
        shortTable: shortTable(alter.table.qualified),
        column: String(def.colname),
        def,
        constraints: columnConstraints(def),
      };
    });
}

/** A column definition met in CREATE TABLE, ADD COLUMN or ALTER COLUMN TYPE. */
export interface ColumnTypeUse {
  table: string;
  column: string;
  type: TypeInfo;
  /** Where the type is written. */
  location: number;
  how: 'create' | 'add' | 'alter';
}

/** Every column type a statement declares (for the type-preference rules). */
export function declaredColumnTypes(stmt: RuleStatement): ColumnTypeUse[] {
  if (stmt.kind !== 'CreateStmt' && stmt.kind !== 'AlterTableStmt') return [];
  let uses = columnTypeUses.get(stmt);
  if (!uses) {
    uses = columnTypesOf(stmt);
    columnTypeUses.set(stmt, uses);
  }
  return uses;
}

function columnTypesOf(stmt: RuleStatement): ColumnTypeUse[] {
  const out: ColumnTypeUse[] = [];
  if (stmt.kind === 'CreateStmt' && stmt.node) {
    const table = rangeVarName(stmt.node.relation).qualified;
    for (const def of createTableElements(stmt.node).columns) {
      if (!def.typeName) continue;
      const type = typeInfo(def.typeName);
      out.push({ table, column: String(def.colname), type, location: locationOr(type.location, def.location), how: 'create' });
    }
  }
  const alter = alterTable(stmt);
  if (alter) {
    for (const cmd of alter.cmds) {
      const def = nodeOf(cmd.def, 'ColumnDef');
      if (!def?.typeName) continue;
      const type = typeInfo(def.typeName);
      if (cmd.subtype === 'AT_AddColumn') {
        out.push({
          table: alter.table.qualified,
          column: String(def.colname),
          type,
          location: locationOr(type.location, def.location),
          how: 'add',
        });
      } else if (cmd.subtype === 'AT_AlterColumnType') {
        out.push({
          table: alter.table.qualified,
          column: String(cmd.name),
          type,
          location: locationOr(type.location, def.location),
          how: 'alter',
        });
      }
    }
  }
  return out;
}

/** The first non-negative location, or -1. */
export function locationOr(...locations: (number | undefined)[]): number {
  for (const location of locations) if (typeof location === 'number' && location >= 0) return location;
  return -1;
}

/** `schema.table` → `table` for public tables (how drizzle users think of them), else unchanged. */
export function shortTable(table: string): string {
  return table.startsWith('public.') ? table.slice('public.'.length) : table;
}

/** The unqualified table name of `schema.table`. */
export function tableName(table: string): string {
  return table.slice(table.indexOf('.') + 1);
}

/** The `dbctl generate --rename` flag for a column rename (`table.old=table.new`, schema-qualified outside public). */
export function columnRenameFlag(table: string, from: string, to: string): string {
  const t = shortTable(table);
  return `--rename ${t}.${from}=${t}.${to}`;
}

/** The `dbctl generate --rename` flag for a table rename. */
export function tableRenameFlag(from: string, to: string): string {
  return `--rename ${shortTable(from)}=${shortTable(to)}`;
}

const memos = new WeakMap<RuleContext, Map<string, unknown>>();

/** Computes a per-migration value once (rules run per statement; this keeps them linear). */
export function perMigration<T>(ctx: RuleContext, key: string, compute: () => T): T {
  let memo = memos.get(ctx);
  if (!memo) {
    memo = new Map();
    memos.set(ctx, memo);
  }
  if (!memo.has(key)) memo.set(key, compute());
  return memo.get(key) as T;
}

/** Index of the migration's first statement that takes a blocking lock on an existing table, or -1. */
export function firstBlockingStatement(ctx: RuleContext): number {
  return perMigration(ctx, 'firstBlockingStatement', () => {
    const found = ctx.statements.find((s) => s.classification.lock.level !== null && s.classification.lock.blocks !== 'nothing');
    return found ? found.index : -1;
  });
}

/** True when a statement before `index` runs `SET [LOCAL] name = ...`. */
export function setsVariableBefore(ctx: RuleContext, index: number, name: string): boolean {
  return ctx.statements
    .slice(0, index)
    .some((s) => s.kind === 'VariableSetStmt' && s.node?.kind === 'VAR_SET_VALUE' && String(s.node.name).toLowerCase() === name);
}

/** The safe sequence for making a column NOT NULL, with concrete names. */
export function notNullRecipe(table: string, column: string): string {
  const t = shortTable(table);
  const check = `${tableName(table)}_${column}_not_null`;
  return `1) ALTER TABLE ${t} ADD CONSTRAINT ${check} CHECK (${column} IS NOT NULL) NOT VALID; 2) in a later migration: ALTER TABLE ${t} VALIDATE CONSTRAINT ${check}; (no blocking) 3) in a later migration: ALTER TABLE ${t} ALTER COLUMN ${column} SET NOT NULL; (PostgreSQL 12+ uses the validated CHECK and skips the scan) then ALTER TABLE ${t} DROP CONSTRAINT ${check};`;
}

const SERIAL_NAMES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

/** True when a column name reads as an id or a counter: `id`, `user_id`, `userId`, `*_count`, `*_total`. */
export function idLikeName(column: string): boolean {
  return /(^|_)ids?$/i.test(column) || /[a-z0-9]Ids?$/.test(column) || /_(count|total)$/i.test(column);
}

/**
 * True when a declared integer column is id-like: a primary key, identity or serial column, a
 * foreign key (inline, in the CREATE TABLE, or added by a later statement of the migration, as
 * drizzle-kit writes them), or named like an id or a counter. Integer columns with natural bounds
 * (a port, an MTU, a position) are not.
 */
export function idLikeColumn(stmt: RuleStatement, ctx: RuleContext, use: ColumnTypeUse): boolean {
  if (SERIAL_NAMES.has(use.type.name) || idLikeName(use.column)) return true;
  const keyed = (c: Pg.Constraint, column: string) =>
    (c.contype === 'CONSTR_PRIMARY' && stringList(c.keys).includes(column)) ||
    (c.contype === 'CONSTR_FOREIGN' && stringList(c.fk_attrs).includes(column));
  const inlineKey = (def: Pg.ColumnDef | undefined) =>
    columnConstraints(def).some((c) => c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_FOREIGN' || c.contype === 'CONSTR_IDENTITY');
  if (stmt.kind === 'CreateStmt' && stmt.node) {
    const { columns, constraints } = createTableElements(stmt.node);
    const def = columns.find((d) => String(d.colname) === use.column);
    if (def && inlineKey(def)) return true;
    if (constraints.some((c) => keyed(c, use.column))) return true;
  }
  for (const other of ctx.statements) {
    const alter = alterTable(other);
    if (!alter || alter.table.qualified !== use.table) continue;
    for (const cmd of alter.cmds) {
      const constraint = nodeOf(cmd.def, 'Constraint');
      const column = nodeOf(cmd.def, 'ColumnDef');
      if (cmd.subtype === 'AT_AddConstraint' && constraint && keyed(constraint, use.column)) return true;
      if (cmd.subtype === 'AT_AddColumn' && String(column?.colname) === use.column && inlineKey(column)) return true;
      if (cmd.subtype === 'AT_AddIdentity' && String(cmd.name) === use.column) return true;
    }
  }
  return false;
}

/** The integer types too narrow for ids, as prefer-bigint-over-int / -smallint report them. */
const NARROW_INTEGERS = {
  integer: {
    /** The type names the parser gives it; messages show the internal one (`int4`) as the key (`integer`). */
    names: new Set(['int4', 'int', 'integer', 'serial', 'serial4']),
    internalName: 'int4',
    max: '2,147,483,647',
    /** Whether the fix of a `serial…` column suggests a bigint identity column. */
    identityForSerial: true,
  },
  smallint: {
    names: new Set(['int2', 'smallint', 'smallserial', 'serial2']),
    internalName: 'int2',
    max: '32,767',
    identityForSerial: false,
  },
};

/**
 * The statement kinds and check of prefer-bigint-over-int / -smallint: flags id-like columns (see
 * idLikeColumn) that a statement declares as `integer` or `smallint` (any spelling).
 */
export function narrowIntegerCheck(sqlName: keyof typeof NARROW_INTEGERS): Pick<Rule, 'kinds' | 'check'> {
  return {
    kinds: ['CreateStmt', 'AlterTableStmt'],
    check: (stmt, ctx) => narrowIntegerIdColumns(stmt, ctx, sqlName),
  };
}

function narrowIntegerIdColumns(stmt: RuleStatement, ctx: RuleContext, sqlName: keyof typeof NARROW_INTEGERS): RuleFinding[] {
  const narrow = NARROW_INTEGERS[sqlName];
  return declaredColumnTypes(stmt)
    .filter((use) => narrow.names.has(use.type.name) && idLikeColumn(stmt, ctx, use))
    .map((use) => {
      const type = use.type.name === narrow.internalName ? sqlName : use.type.name;
      const array = use.type.array ? '[]' : '';
      const identity = narrow.identityForSerial && use.type.name.startsWith('serial') ? ' (bigint GENERATED BY DEFAULT AS IDENTITY)' : '';
      return {
        message: `${shortTable(use.table)}.${use.column} is ${type}${array}: it overflows at ${narrow.max}, and widening it later rewrites the table.`,
        fix: `Declare it bigint${array}${identity}; drizzle: bigint('${use.column}', { mode: 'number' }).`,
        at: use.location,
      };
    });
}
