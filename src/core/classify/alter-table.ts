/**
 * The classification of ALTER TABLE, one sub-command at a time.
 *
 * Pure: no fs, process or network.
 */
import { columnConstraints, columnDefault, typeInfo } from '../../sql/ast.js';
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
    for (const wrapped of body.cmds ?? []) {
      const cmd = wrapped.AlterTableCmd ?? {};
      phrases.push(alterTableCmd(cmd, table, target.schema, target.name, fx, objects, options));
    }
    return `ALTER TABLE ${table} ${phrases.join(', ')}`;
  },
};

/** Classifies one ALTER TABLE sub-command; returns its phrase for the summary. */
function alterTableCmd(
  cmd: any,
  table: string,
  schema: string,
  tableName: string,
  fx: Effects,
  objects: NewObjects,
  options: ClassifyOptions,
): string {
  const subtype: string = cmd.subtype ?? '';
  const column: string = String(cmd.name ?? '');
  switch (subtype) {
    case 'AT_AddColumn': {
      const def = cmd.def?.ColumnDef ?? {};
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
      for (const c of constraints) if (c.contype === 'CONSTR_FOREIGN' && c.pktable) fx.lock('SHARE ROW EXCLUSIVE', rangeVarName(c.pktable).qualified);
      objects.columns.add(columnKey(table, name));
      objects.columnTypes.set(columnKey(table, name), type);
      fx.create({ kind: 'column', schema, table: tableName, name });
      return `ADD COLUMN ${name} ${type.display}`;
    }
    case 'AT_DropColumn': {
      fx.lock('ACCESS EXCLUSIVE', table);
      const key = columnKey(table, column);
      if (!objects.tables.has(table) && !objects.columns.has(key)) {
        const cascade = cmd.behavior === 'DROP_CASCADE';
        fx.destroy({ kind: 'column', schema, table: tableName, column, reason: 'DROP COLUMN', ...(cascade ? { cascade } : {}) }, objects.alterTarget);
      }
      objects.columns.delete(key);
      objects.columnTypes.delete(key);
      return `DROP COLUMN ${column}`;
    }
    case 'AT_AlterColumnType': {
      const def = cmd.def?.ColumnDef ?? {};
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
    }
    case 'AT_ColumnDefault':
      fx.lock('ACCESS EXCLUSIVE', table);
      return `ALTER COLUMN ${column} ${cmd.def ? 'SET' : 'DROP'} DEFAULT`;
    case 'AT_SetNotNull':
      fx.lock('ACCESS EXCLUSIVE', table, { scans: true });
      return `ALTER COLUMN ${column} SET NOT NULL`;
    case 'AT_DropNotNull':
      fx.lock('ACCESS EXCLUSIVE', table);
      return `ALTER COLUMN ${column} DROP NOT NULL`;
    case 'AT_AddConstraint': {
      const c = cmd.def?.Constraint ?? {};
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
            const nullable = c.contype === 'CONSTR_PRIMARY' && !objects.tables.has(table) && options.indexColumnsNotNull?.(table, index) !== true;
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
    }
    case 'AT_ValidateConstraint':
      fx.lock('SHARE UPDATE EXCLUSIVE', table, { scans: true });
      return `VALIDATE CONSTRAINT ${column}`;
    case 'AT_DropConstraint':
      fx.lock('ACCESS EXCLUSIVE', table);
      return `DROP CONSTRAINT ${column}`;
    case 'AT_SetTableSpace':
    case 'AT_SetLogged':
    case 'AT_SetUnLogged':
    case 'AT_SetAccessMethod':
    case 'AT_SetExpression': {
      fx.lock('ACCESS EXCLUSIVE', table, { rewrites: true });
      const words: Record<string, string> = {
        AT_SetTableSpace: 'SET TABLESPACE',
        AT_SetLogged: 'SET LOGGED',
        AT_SetUnLogged: 'SET UNLOGGED',
        AT_SetAccessMethod: 'SET ACCESS METHOD',
        AT_SetExpression: `ALTER COLUMN ${column} SET EXPRESSION`,
      };
      return words[subtype]!;
    }
    case 'AT_SetStatistics':
    case 'AT_SetOptions':
    case 'AT_ResetOptions':
    case 'AT_ClusterOn':
    case 'AT_DropCluster':
    case 'AT_SetRelOptions':
    case 'AT_ResetRelOptions':
    case 'AT_ReplaceRelOptions':
      fx.lock('SHARE UPDATE EXCLUSIVE', table);
      return subtype.replace(/^AT_/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
    case 'AT_EnableTrig':
    case 'AT_EnableAlwaysTrig':
    case 'AT_EnableReplicaTrig':
    case 'AT_DisableTrig':
    case 'AT_EnableTrigAll':
    case 'AT_DisableTrigAll':
    case 'AT_EnableTrigUser':
    case 'AT_DisableTrigUser':
      fx.lock('SHARE ROW EXCLUSIVE', table);
      return `${subtype.startsWith('AT_Disable') ? 'DISABLE' : 'ENABLE'} TRIGGER ${column || 'ALL'}`;
    case 'AT_AttachPartition': {
      const partition = cmd.def?.PartitionCmd?.name ? rangeVarName(cmd.def.PartitionCmd.name).qualified : undefined;
      fx.lock('SHARE UPDATE EXCLUSIVE', table);
      fx.lock('ACCESS EXCLUSIVE', partition, { scans: true });
      return `ATTACH PARTITION ${partition ?? '?'}`;
    }
    case 'AT_DetachPartition': {
      const partition = cmd.def?.PartitionCmd?.name ? rangeVarName(cmd.def.PartitionCmd.name).qualified : undefined;
      if (cmd.def?.PartitionCmd?.concurrent) {
        fx.transactional = false;
        fx.lock('SHARE UPDATE EXCLUSIVE', table);
        return `DETACH PARTITION ${partition ?? '?'} CONCURRENTLY`;
      }
      fx.lock('ACCESS EXCLUSIVE', table);
      fx.lock('ACCESS EXCLUSIVE', partition);
      return `DETACH PARTITION ${partition ?? '?'}`;
    }
    default:
      fx.lock('ACCESS EXCLUSIVE', table);
      return subtype.replace(/^AT_/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase() + (column ? ` ${column}` : '');
  }
}
