/**
 * The classification of DROP statements: what data each destroys (named as before the migration),
 * the locks taken, and the objects of this migration that dropping merely forgets.
 *
 * Pure: no fs, process or network.
 */
import { stringList } from '../../sql/ast.js';
import type { Handlers } from './effects.js';
import { objectName, qualify } from './names.js';

/** DROP <object> and DROP OWNED. */
export const dropHandlers: Handlers = {
  DropStmt(body, fx, objects) {
    const removeType: string = body.removeType;
    const cascade = body.behavior === 'DROP_CASCADE';
    const names = (body.objects ?? []).map((o: any) => objectName(o));
    const list = names.map((n: { qualified: string }) => n.qualified).join(', ');
    const what = removeType.replace(/^OBJECT_/, '').replace(/_/g, ' ');
    const suffix = cascade ? ' CASCADE' : '';
    switch (removeType) {
      case 'OBJECT_TABLE':
      case 'OBJECT_FOREIGN_TABLE':
        for (const n of names) {
          fx.lock('ACCESS EXCLUSIVE', n.qualified);
          if (objects.tables.has(n.qualified)) objects.tables.delete(n.qualified);
          else if (removeType === 'OBJECT_TABLE') fx.destroy({ kind: 'table', schema: n.schema, table: n.name, reason: `DROP TABLE${suffix}`, ...(cascade ? { cascade } : {}) }, n);
        }
        return `DROP TABLE ${list}${suffix}`;
      case 'OBJECT_MATVIEW':
      case 'OBJECT_VIEW':
        for (const n of names) {
          if (objects.tables.has(n.qualified)) objects.tables.delete(n.qualified);
          else fx.lock('ACCESS EXCLUSIVE', n.qualified);
        }
        return `DROP ${what} ${list}${suffix}`;
      case 'OBJECT_INDEX':
        for (const n of names) {
          const table = objects.indexes.get(n.qualified);
          if (body.concurrent) fx.lock('SHARE UPDATE EXCLUSIVE', table);
          else fx.lock('ACCESS EXCLUSIVE', table);
          objects.indexes.delete(n.qualified);
        }
        if (body.concurrent) fx.transactional = false;
        return `DROP INDEX${body.concurrent ? ' CONCURRENTLY' : ''} ${list}`;
      case 'OBJECT_SCHEMA':
        for (const n of names) {
          const schema = n.name;
          if (objects.schemas.has(schema)) objects.schemas.delete(schema);
          else fx.destroy({ kind: 'schema', schema, name: schema, reason: `DROP SCHEMA${suffix}`, ...(cascade ? { cascade } : {}) });
        }
        return `DROP SCHEMA ${names.map((n: { name: string }) => n.name).join(', ')}${suffix}`;
      case 'OBJECT_TYPE':
      case 'OBJECT_DOMAIN':
        for (const n of names) {
          if (objects.types.has(n.qualified)) objects.types.delete(n.qualified);
          else fx.destroy({ kind: 'type', schema: n.schema, name: n.name, reason: `DROP ${what}${suffix}`, ...(cascade ? { cascade } : {}) }, n);
        }
        return `DROP ${what} ${list}${suffix}`;
      case 'OBJECT_SEQUENCE':
        for (const n of names) {
          if (objects.sequences.has(n.qualified)) objects.sequences.delete(n.qualified);
          else fx.destroy({ kind: 'other', schema: n.schema, name: n.name, reason: 'DROP SEQUENCE' });
        }
        return `DROP SEQUENCE ${list}${suffix}`;
      case 'OBJECT_EXTENSION':
        if (cascade) for (const n of names) fx.destroy({ kind: 'other', schema: 'public', name: n.name, reason: 'DROP EXTENSION CASCADE', cascade });
        return `DROP EXTENSION ${names.map((n: { name: string }) => n.name).join(', ')}${suffix}`;
      case 'OBJECT_TRIGGER':
      case 'OBJECT_POLICY':
      case 'OBJECT_RULE': {
        for (const o of body.objects ?? []) {
          const parts = stringList(o?.List?.items);
          if (parts.length >= 2) fx.lock('ACCESS EXCLUSIVE', qualify(parts.length > 2 ? parts[0] : undefined, parts[parts.length - 2]!).qualified);
        }
        return `DROP ${what} ${list}`;
      }
      default:
        // CASCADE through a function, collation, operator, ... can drop columns (generated ones,
        // ones of that collation) and indexes: the live side follows pg_depend.
        if (cascade && CASCADING_DROPS.has(removeType)) {
          for (const n of names) fx.destroy({ kind: 'other', schema: n.schema, name: n.name, reason: `DROP ${what} CASCADE`, cascade }, n);
        }
        return `DROP ${what} ${list}${suffix}`;
    }
  },

  DropOwnedStmt(_body, fx) {
    fx.unknown('DROP OWNED', 'DROP OWNED drops every object of a role');
    return 'DROP OWNED';
  },
};

/** DROP ... CASCADE of these can reach columns or indexes through pg_depend. */
const CASCADING_DROPS = new Set([
  'OBJECT_FUNCTION',
  'OBJECT_PROCEDURE',
  'OBJECT_ROUTINE',
  'OBJECT_COLLATION',
  'OBJECT_OPERATOR',
  'OBJECT_OPCLASS',
  'OBJECT_OPFAMILY',
  'OBJECT_ACCESS_METHOD',
  'OBJECT_TSCONFIGURATION',
  'OBJECT_TSDICTIONARY',
  'OBJECT_CONVERSION',
  'OBJECT_FOREIGN_SERVER',
  'OBJECT_FDW',
]);
