/**
 * The classification of ALTER TABLE, one sub-command at a time: each kind of sub-command (add /
 * drop / retype a column, constraints, rewriting settings, storage options, triggers, partitions)
 * has its own named piece below.
 *
 * Pure: no fs, process or network.
 */
import { columnConstraints, columnDefault, nodeOf, typeInfo, type Pg } from '../../sql/ast.js';
import { knownColumnType, type Effects, type Handlers, type NewObjects } from './effects.js';
import type { ClassifyOptions } from './model.js';
import { columnKey, qualify, rangeVarName } from './names.js';
import { isPlainUsingCast, typeChangeEffect } from './types.js';
import { defaultVolatility, SERIAL_TYPES } from './volatility.js';

/** ALTER TABLE (and ALTER INDEX / VIEW / SEQUENCE, which take ACCESS EXCLUSIVE). */
export const alterTableHandlers: Handlers = {
  AlterTableStmt(body, fx, objects, options) {
    const target = rangeVarName(body.relation);
    const table = target.qualified;
    const objtype: string = body.objtype ?? 'OBJECT_TABLE';
    const phrases: string[] = [];
    if (objtype !== 'OBJECT_TABLE' && objtype !== 'OBJECT_MATVIEW' && objtype !== 'OBJECT_FOREIGN_TABLE') {
      fx.lock('ACCESS EXCLUSIVE', table);
      const what = objtype.replace(/^OBJECT_/, '').replace(/_/g, ' ');
      return `ALTER ${what} ${table}`;
    }
    fx.touch(table);
    objects.alterTarget = target;
    const at: AlterTarget = { table, schema: target.schema, tableName: target.name, fx, objects, options };
    for (const wrapped of body.cmds ?? []) phrases.push(alterTableCmd(nodeOf(wrapped, 'AlterTableCmd') ?? {}, at));
    return `ALTER TABLE ${table} ${phrases.join(', ')}`;
  },
};

/** The table an ALTER TABLE changes, and the run's state its sub-commands record into. */
interface AlterTarget {
  /** Qualified name, e.g. `public.users`. */
  table: string;
  schema: string;
  tableName: string;
  fx: Effects;
  objects: NewObjects;
  options: ClassifyOptions;
}

/** Classifies one sub-command kind; returns its phrase for the summary. */
type SubCommand = (cmd: Pg.AlterTableCmd, at: AlterTarget) => string;

/** `AT_SetStatistics` → `SET STATISTICS`. */
const words = (subtype: string): string =>
  subtype
    .replace(/^AT_/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();

/** Classifies one ALTER TABLE sub-command; returns its phrase for the summary. */
function alterTableCmd(cmd: Pg.AlterTableCmd, at: AlterTarget): string {
  const subtype: string = cmd.subtype ?? '';
  const piece = SUB_COMMANDS[subtype];
  if (piece) return piece(cmd, at);
  const column = String(cmd.name ?? '');
  at.fx.lock('ACCESS EXCLUSIVE', at.table);
  return words(subtype) + (column ? ` ${column}` : '');
}

/** ADD COLUMN: rewrites for a volatile default, serial, identity or stored generated column; scans for an index or a check. */
const addColumn: SubCommand = (cmd, { table, schema, tableName, fx, objects }) => {
  const def = nodeOf(cmd.def, 'ColumnDef') ?? {};
  const name = String(def.colname ?? '?');
  const type = typeInfo(def.typeName);
  const constraints = columnConstraints(def);
  const volatility = defaultVolatility(columnDefault(def));
  const rewrites =
    volatility.volatile.length > 0 ||
    volatility.unknown.length > 0 ||
    SERIAL_TYPES.has(type.name) ||
    constraints.some((c) => c.contype === 'CONSTR_IDENTITY' || (c.contype === 'CONSTR_GENERATED' && c.generated_kind !== 'v'));
  const indexed = constraints.some((c) => c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE');
  const checked = constraints.some((c) => c.contype === 'CONSTR_CHECK' || c.contype === 'CONSTR_FOREIGN');
  fx.lock('ACCESS EXCLUSIVE', table, { rewrites, scans: indexed || checked });
  for (const c of constraints)
    if (c.contype === 'CONSTR_FOREIGN' && c.pktable) fx.lock('SHARE ROW EXCLUSIVE', rangeVarName(c.pktable).qualified);
  objects.columns.add(columnKey(table, name));
  objects.columnTypes.set(columnKey(table, name), type);
  fx.create({ kind: 'column', schema, table: tableName, name });
  return `ADD COLUMN ${name} ${type.display}`;
};

/** DROP COLUMN: destroys the column's data unless the column (or its table) is new. */
const dropColumn: SubCommand = (cmd, { table, schema, tableName, fx, objects }) => {
  const column = String(cmd.name ?? '');
  fx.lock('ACCESS EXCLUSIVE', table);
  const key = columnKey(table, column);
  if (!objects.tables.has(table) && !objects.columns.has(key)) {
    const cascade = cmd.behavior === 'DROP_CASCADE';
    fx.destroy(
      { kind: 'column', schema, table: tableName, column, reason: 'DROP COLUMN', ...(cascade ? { cascade } : {}) },
      objects.alterTarget,
    );
  }
  objects.columns.delete(key);
  objects.columnTypes.delete(key);
  return `DROP COLUMN ${column}`;
};

/** ALTER COLUMN TYPE: a rewrite unless binary-coercible; destroys data when the conversion can lose it. */
const alterColumnType: SubCommand = (cmd, { table, schema, tableName, fx, objects, options }) => {
  const column = String(cmd.name ?? '');
  const def = nodeOf(cmd.def, 'ColumnDef') ?? {};
  const to = typeInfo(def.typeName);
  const key = columnKey(table, column);
  const from = knownColumnType(objects, options, table, column);
  objects.columnTypes.set(key, to);
  if (objects.tables.has(table)) return `ALTER COLUMN ${column} TYPE ${to.display}`;
  const effect = typeChangeEffect(from, to, !isPlainUsingCast(def.raw_default, column));
  fx.lock('ACCESS EXCLUSIVE', table, { rewrites: effect.rewrites });
  if (!effect.lossless && !objects.columns.has(key)) {
    fx.destroy({ kind: 'column', schema, table: tableName, column, reason: 'ALTER COLUMN TYPE' }, objects.alterTarget);
  }
  return `ALTER COLUMN ${column} TYPE ${to.display}`;
};

/** SET / DROP DEFAULT, SET / DROP NOT NULL: catalog changes under ACCESS EXCLUSIVE (SET NOT NULL scans). */
const columnDefaultOrNull: SubCommand = (cmd, { table, fx }) => {
  const column = String(cmd.name ?? '');
  switch (cmd.subtype) {
    case 'AT_ColumnDefault':
      fx.lock('ACCESS EXCLUSIVE', table);
      return `ALTER COLUMN ${column} ${cmd.def ? 'SET' : 'DROP'} DEFAULT`;
    case 'AT_SetNotNull':
      fx.lock('ACCESS EXCLUSIVE', table, { scans: true });
      return `ALTER COLUMN ${column} SET NOT NULL`;
    default:
      fx.lock('ACCESS EXCLUSIVE', table);
      return `ALTER COLUMN ${column} DROP NOT NULL`;
  }
};

/** ADD CONSTRAINT: CHECK / FOREIGN KEY / NOT NULL scan unless NOT VALID; PRIMARY KEY / UNIQUE / EXCLUDE build an index. */
const addConstraint: SubCommand = (cmd, { table, schema, tableName, fx, objects, options }) => {
  const c = nodeOf(cmd.def, 'Constraint') ?? {};
  const name = c.conname ? ` ${c.conname}` : '';
  const notValid = Boolean(c.skip_validation);
  switch (c.contype) {
    case 'CONSTR_CHECK':
      fx.lock('ACCESS EXCLUSIVE', table, { scans: !notValid });
      return `ADD CONSTRAINT${name} CHECK${notValid ? ' NOT VALID' : ''}`;
    case 'CONSTR_FOREIGN': {
      const referenced = c.pktable ? rangeVarName(c.pktable).qualified : undefined;
      fx.lock('SHARE ROW EXCLUSIVE', table, { scans: !notValid });
      fx.lock('SHARE ROW EXCLUSIVE', referenced);
      return `ADD CONSTRAINT${name} FOREIGN KEY REFERENCES ${referenced ?? '?'}${notValid ? ' NOT VALID' : ''}`;
    }
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE':
    case 'CONSTR_EXCLUSION': {
      const kind = c.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : c.contype === 'CONSTR_UNIQUE' ? 'UNIQUE' : 'EXCLUDE';
      if (c.indexname) {
        // PRIMARY KEY USING INDEX makes the index's columns NOT NULL: a scan under ACCESS
        // EXCLUSIVE unless they already are (unknown counts as a scan)
        const index = qualify(schema, String(c.indexname)).qualified;
        const nullable =
          c.contype === 'CONSTR_PRIMARY' && !objects.tables.has(table) && options.indexColumnsNotNull?.(table, index) !== true;
        fx.lock('ACCESS EXCLUSIVE', table, { scans: nullable });
        return `ADD CONSTRAINT${name} ${kind} USING INDEX ${c.indexname}${nullable ? ' (SET NOT NULL scan)' : ''}`;
      }
      fx.lock('ACCESS EXCLUSIVE', table, { scans: true });
      if (c.conname) fx.create({ kind: 'index', schema, table: tableName, name: String(c.conname) });
      return `ADD CONSTRAINT${name} ${kind}`;
    }
    case 'CONSTR_NOTNULL':
      fx.lock('ACCESS EXCLUSIVE', table, { scans: !notValid });
      return `ADD CONSTRAINT${name} NOT NULL`;
    default:
      fx.lock('ACCESS EXCLUSIVE', table);
      return `ADD CONSTRAINT${name}`;
  }
};

/** VALIDATE CONSTRAINT scans under SHARE UPDATE EXCLUSIVE (no blocking); DROP CONSTRAINT is a catalog change. */
const validateOrDropConstraint: SubCommand = (cmd, { table, fx }) => {
  const constraint = String(cmd.name ?? '');
  if (cmd.subtype === 'AT_ValidateConstraint') {
    fx.lock('SHARE UPDATE EXCLUSIVE', table, { scans: true });
    return `VALIDATE CONSTRAINT ${constraint}`;
  }
  fx.lock('ACCESS EXCLUSIVE', table);
  return `DROP CONSTRAINT ${constraint}`;
};

/** The sub-commands that rewrite the whole table under ACCESS EXCLUSIVE, and their phrases. */
const REWRITING: Record<string, (column: string) => string> = {
  AT_SetTableSpace: () => 'SET TABLESPACE',
  AT_SetLogged: () => 'SET LOGGED',
  AT_SetUnLogged: () => 'SET UNLOGGED',
  AT_SetAccessMethod: () => 'SET ACCESS METHOD',
  AT_SetExpression: (column) => `ALTER COLUMN ${column} SET EXPRESSION`,
};

/** SET TABLESPACE / LOGGED / UNLOGGED / ACCESS METHOD, SET EXPRESSION: a table rewrite. */
const rewriteTable: SubCommand = (cmd, { table, fx }) => {
  fx.lock('ACCESS EXCLUSIVE', table, { rewrites: true });
  return REWRITING[cmd.subtype ?? '']!(String(cmd.name ?? ''));
};

/** Statistics, attribute and storage options, CLUSTER ON: SHARE UPDATE EXCLUSIVE, no blocking. */
const storageOption: SubCommand = (cmd, { table, fx }) => {
  fx.lock('SHARE UPDATE EXCLUSIVE', table);
  return words(cmd.subtype ?? '');
};

/** ENABLE / DISABLE TRIGGER: SHARE ROW EXCLUSIVE (blocks writes). */
const enableOrDisableTrigger: SubCommand = (cmd, { table, fx }) => {
  fx.lock('SHARE ROW EXCLUSIVE', table);
  return `${String(cmd.subtype).startsWith('AT_Disable') ? 'DISABLE' : 'ENABLE'} TRIGGER ${String(cmd.name ?? '') || 'ALL'}`;
};

/** The partition an ATTACH / DETACH PARTITION names. */
function partitionName(cmd: Pg.AlterTableCmd): string | undefined {
  const name = nodeOf(cmd.def, 'PartitionCmd')?.name;
  return name ? rangeVarName(name).qualified : undefined;
}

/** ATTACH PARTITION: the partition is scanned under ACCESS EXCLUSIVE (unless a matching CHECK proves its bounds). */
const attachPartition: SubCommand = (cmd, { table, fx }) => {
  const partition = partitionName(cmd);
  fx.lock('SHARE UPDATE EXCLUSIVE', table);
  fx.lock('ACCESS EXCLUSIVE', partition, { scans: true });
  return `ATTACH PARTITION ${partition ?? '?'}`;
};

/** DETACH PARTITION: ACCESS EXCLUSIVE on both, or CONCURRENTLY outside a transaction. */
const detachPartition: SubCommand = (cmd, { table, fx }) => {
  const partition = partitionName(cmd);
  if (nodeOf(cmd.def, 'PartitionCmd')?.concurrent) {
    fx.transactional = false;
    fx.lock('SHARE UPDATE EXCLUSIVE', table);
    return `DETACH PARTITION ${partition ?? '?'} CONCURRENTLY`;
  }
  fx.lock('ACCESS EXCLUSIVE', table);
  fx.lock('ACCESS EXCLUSIVE', partition);
  return `DETACH PARTITION ${partition ?? '?'}`;
};

/** Each sub-command kind with its piece; kinds not listed take ACCESS EXCLUSIVE and nothing more. */
const SUB_COMMANDS: Record<string, SubCommand> = {
  AT_AddColumn: addColumn,
  AT_DropColumn: dropColumn,
  AT_AlterColumnType: alterColumnType,
  AT_ColumnDefault: columnDefaultOrNull,
  AT_SetNotNull: columnDefaultOrNull,
  AT_DropNotNull: columnDefaultOrNull,
  AT_AddConstraint: addConstraint,
  AT_ValidateConstraint: validateOrDropConstraint,
  AT_DropConstraint: validateOrDropConstraint,
  ...Object.fromEntries(Object.keys(REWRITING).map((subtype) => [subtype, rewriteTable])),
  ...Object.fromEntries(
    [
      'AT_SetStatistics',
      'AT_SetOptions',
      'AT_ResetOptions',
      'AT_ClusterOn',
      'AT_DropCluster',
      'AT_SetRelOptions',
      'AT_ResetRelOptions',
      'AT_ReplaceRelOptions',
    ].map((subtype) => [subtype, storageOption]),
  ),
  ...Object.fromEntries(
    [
      'AT_EnableTrig',
      'AT_EnableAlwaysTrig',
      'AT_EnableReplicaTrig',
      'AT_DisableTrig',
      'AT_EnableTrigAll',
      'AT_DisableTrigAll',
      'AT_EnableTrigUser',
      'AT_DisableTrigUser',
    ].map((subtype) => [subtype, enableOrDisableTrigger]),
  ),
  AT_AttachPartition: attachPartition,
  AT_DetachPartition: detachPartition,
};
