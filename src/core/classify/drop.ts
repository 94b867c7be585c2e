/**
 * The classification of DROP statements: what data each destroys (named as before the migration),
 * the locks taken, and the objects of this migration that dropping merely forgets. One named piece
 * per kind of object dropped.
 *
 * Pure: no fs, process or network.
 */
import { nodeOf, stringList, type Pg } from '../../sql/ast.js';
import type { Effects, Handlers, NewObjects } from './effects.js';
import { objectName, qualify, type Name } from './names.js';

/** DROP <object> and DROP OWNED. */
export const dropHandlers: Handlers = {
  DropStmt(body, fx, objects) {
    const removeType: string = body.removeType ?? '';
    const cascade = body.behavior === 'DROP_CASCADE';
    const names: Name[] = (body.objects ?? []).map((o) => objectName(o));
    const drop: Drop = {
      removeType,
      cascade,
      concurrent: Boolean(body.concurrent),
      names,
      objects: body.objects ?? [],
      list: names.map((n) => n.qualified).join(', '),
      what: removeType.replace(/^OBJECT_/, '').replace(/_/g, ' '),
      suffix: cascade ? ' CASCADE' : '',
    };
    return (DROPS[removeType] ?? dropOther)(drop, fx, objects);
  },

  DropOwnedStmt(_body, fx) {
    fx.unknown('DROP OWNED', 'DROP OWNED drops every object of a role');
    return 'DROP OWNED';
  },
};

/** One DROP statement, read once for every piece. */
interface Drop {
  /** `OBJECT_TABLE`, `OBJECT_INDEX`, ... */
  removeType: string;
  cascade: boolean;
  /** DROP INDEX CONCURRENTLY. */
  concurrent: boolean;
  names: Name[];
  /** The raw object nodes (triggers, policies and rules name their table in them). */
  objects: Pg.Node[];
  /** The qualified names, comma-separated, for the summary. */
  list: string;
  /** `TABLE`, `MATERIALIZED VIEW`, ... */
  what: string;
  /** ` CASCADE` or empty. */
  suffix: string;
}

/** Classifies one kind of DROP; returns its summary. */
type DropPiece = (drop: Drop, fx: Effects, objects: NewObjects) => string;

/** The `cascade` field of a destroyed object: present only when true. */
const cascadeField = (cascade: boolean) => (cascade ? { cascade } : {});

/** DROP TABLE destroys the table's rows unless created in this migration (a foreign table holds none here). */
const dropTable: DropPiece = ({ removeType, cascade, names, list, suffix }, fx, objects) => {
  for (const n of names) {
    fx.lock('ACCESS EXCLUSIVE', n.qualified);
    if (objects.tables.has(n.qualified)) objects.tables.delete(n.qualified);
    else if (removeType === 'OBJECT_TABLE')
      fx.destroy({ kind: 'table', schema: n.schema, table: n.name, reason: `DROP TABLE${suffix}`, ...cascadeField(cascade) }, n);
  }
  return `DROP TABLE ${list}${suffix}`;
};

/** DROP VIEW / MATERIALIZED VIEW: ACCESS EXCLUSIVE on an existing one, no data of its own. */
const dropView: DropPiece = ({ names, what, list, suffix }, fx, objects) => {
  for (const n of names) {
    if (objects.tables.has(n.qualified)) objects.tables.delete(n.qualified);
    else fx.lock('ACCESS EXCLUSIVE', n.qualified);
  }
  return `DROP ${what} ${list}${suffix}`;
};

/** DROP INDEX: ACCESS EXCLUSIVE on its table, or SHARE UPDATE EXCLUSIVE and no transaction when CONCURRENTLY. */
const dropIndex: DropPiece = ({ names, concurrent, list }, fx, objects) => {
  for (const n of names) {
    const table = objects.indexes.get(n.qualified);
    if (concurrent) fx.lock('SHARE UPDATE EXCLUSIVE', table);
    else fx.lock('ACCESS EXCLUSIVE', table);
    objects.indexes.delete(n.qualified);
  }
  if (concurrent) fx.transactional = false;
  return `DROP INDEX${concurrent ? ' CONCURRENTLY' : ''} ${list}`;
};

/** DROP SCHEMA destroys whatever it holds (with CASCADE) unless created in this migration. */
const dropSchema: DropPiece = ({ names, cascade, suffix }, fx, objects) => {
  for (const n of names) {
    const schema = n.name;
    if (objects.schemas.has(schema)) objects.schemas.delete(schema);
    else fx.destroy({ kind: 'schema', schema, name: schema, reason: `DROP SCHEMA${suffix}`, ...cascadeField(cascade) });
  }
  return `DROP SCHEMA ${names.map((n) => n.name).join(', ')}${suffix}`;
};

/** DROP TYPE / DOMAIN: destroys the type (and with CASCADE the columns of it) unless new. */
const dropType: DropPiece = ({ names, cascade, what, list, suffix }, fx, objects) => {
  for (const n of names) {
    if (objects.types.has(n.qualified)) objects.types.delete(n.qualified);
    else fx.destroy({ kind: 'type', schema: n.schema, name: n.name, reason: `DROP ${what}${suffix}`, ...cascadeField(cascade) }, n);
  }
  return `DROP ${what} ${list}${suffix}`;
};

/** DROP SEQUENCE destroys its current value unless new. */
const dropSequence: DropPiece = ({ names, list, suffix }, fx, objects) => {
  for (const n of names) {
    if (objects.sequences.has(n.qualified)) objects.sequences.delete(n.qualified);
    else fx.destroy({ kind: 'other', schema: n.schema, name: n.name, reason: 'DROP SEQUENCE' });
  }
  return `DROP SEQUENCE ${list}${suffix}`;
};

/** DROP EXTENSION ... CASCADE can drop columns of its types: destructive. */
const dropExtension: DropPiece = ({ names, cascade, suffix }, fx) => {
  if (cascade)
    for (const n of names) fx.destroy({ kind: 'other', schema: 'public', name: n.name, reason: 'DROP EXTENSION CASCADE', cascade });
  return `DROP EXTENSION ${names.map((n) => n.name).join(', ')}${suffix}`;
};

/** DROP TRIGGER / POLICY / RULE: ACCESS EXCLUSIVE on the table named in the object. */
const dropOnTable: DropPiece = ({ objects: nodes, what, list }, fx) => {
  for (const o of nodes) {
    const parts = stringList(nodeOf(o, 'List')?.items);
    if (parts.length >= 2)
      fx.lock('ACCESS EXCLUSIVE', qualify(parts.length > 2 ? parts[0] : undefined, parts[parts.length - 2]!).qualified);
  }
  return `DROP ${what} ${list}`;
};

/**
 * Any other object. CASCADE through a function, collation, operator, ... can drop columns
 * (generated ones, ones of that collation) and indexes: the live side follows pg_depend.
 */
const dropOther: DropPiece = ({ removeType, cascade, names, what, list, suffix }, fx) => {
  if (cascade && CASCADING_DROPS.has(removeType)) {
    for (const n of names) fx.destroy({ kind: 'other', schema: n.schema, name: n.name, reason: `DROP ${what} CASCADE`, cascade }, n);
  }
  return `DROP ${what} ${list}${suffix}`;
};

/** Each kind of object with its piece; kinds not listed go to `dropOther`. */
const DROPS: Record<string, DropPiece> = {
  OBJECT_TABLE: dropTable,
  OBJECT_FOREIGN_TABLE: dropTable,
  OBJECT_MATVIEW: dropView,
  OBJECT_VIEW: dropView,
  OBJECT_INDEX: dropIndex,
  OBJECT_SCHEMA: dropSchema,
  OBJECT_TYPE: dropType,
  OBJECT_DOMAIN: dropType,
  OBJECT_SEQUENCE: dropSequence,
  OBJECT_EXTENSION: dropExtension,
  OBJECT_TRIGGER: dropOnTable,
  OBJECT_POLICY: dropOnTable,
  OBJECT_RULE: dropOnTable,
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
