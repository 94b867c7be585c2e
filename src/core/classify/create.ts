/**
 * The classification of CREATE statements for tables, views, schemas, sequences, extensions,
 * triggers, policies and functions: what they create (new objects are free to lock or drop later in
 * the migration) and the locks they take on existing tables they reference.
 *
 * Pure: no fs, process or network.
 */
import { columnConstraints, createTableElements, nodeOf, stringList, typeInfo } from '../../sql/ast.js';
import type { Handlers } from './effects.js';
import { columnKey, rangeVarName } from './names.js';

/** CREATE TABLE / VIEW / SCHEMA / SEQUENCE / EXTENSION / TRIGGER / POLICY / FUNCTION. */
export const createHandlers: Handlers = {
  CreateStmt(body, fx, objects) {
    const table = rangeVarName(body.relation);
    objects.tables.add(table.qualified);
    fx.touch(table.qualified);
    fx.create({ kind: 'table', schema: table.schema, name: table.name });
    const { columns, constraints } = createTableElements(body);
    for (const column of columns) {
      const name = String(column.colname);
      objects.columns.add(columnKey(table.qualified, name));
      objects.columnTypes.set(columnKey(table.qualified, name), typeInfo(column.typeName));
      fx.create({ kind: 'column', schema: table.schema, table: table.name, name });
      for (const c of columnConstraints(column))
        if (c.contype === 'CONSTR_FOREIGN' && c.pktable) fx.lock('SHARE ROW EXCLUSIVE', rangeVarName(c.pktable).qualified);
    }
    for (const c of constraints)
      if (c.contype === 'CONSTR_FOREIGN' && c.pktable) fx.lock('SHARE ROW EXCLUSIVE', rangeVarName(c.pktable).qualified);
    for (const parent of body.inhRelations ?? []) fx.lock('ACCESS EXCLUSIVE', rangeVarName(parent).qualified);
    return `CREATE TABLE ${table.qualified}${body.partbound && body.inhRelations?.length ? ` PARTITION OF ${rangeVarName(body.inhRelations[0]).qualified}` : ''}`;
  },

  CreateTableAsStmt(body, fx, objects) {
    const table = rangeVarName(body.into?.rel);
    objects.tables.add(table.qualified);
    fx.touch(table.qualified);
    const matview = body.objtype === 'OBJECT_MATVIEW';
    fx.create({ kind: matview ? 'materialized view' : 'table', schema: table.schema, name: table.name });
    return `CREATE ${matview ? 'MATERIALIZED VIEW' : 'TABLE'} ${table.qualified} AS ...`;
  },

  ViewStmt(body, fx) {
    const view = rangeVarName(body.view);
    fx.create({ kind: 'view', schema: view.schema, name: view.name });
    return `CREATE VIEW ${view.qualified}`;
  },

  CreateSchemaStmt(body, fx, objects) {
    const schema = String(body.schemaname ?? body.authrole?.rolename ?? '?');
    objects.schemas.add(schema);
    fx.create({ kind: 'schema', schema, name: schema });
    return `CREATE SCHEMA ${schema}`;
  },

  CreateSeqStmt(body, fx, objects) {
    const name = rangeVarName(body.sequence);
    objects.sequences.add(name.qualified);
    fx.create({ kind: 'sequence', schema: name.schema, name: name.name });
    return `CREATE SEQUENCE ${name.qualified}`;
  },

  AlterSeqStmt(body) {
    return `ALTER SEQUENCE ${rangeVarName(body.sequence).qualified}`;
  },

  CreateExtensionStmt(body, fx) {
    fx.create({ kind: 'extension', schema: 'public', name: String(body.extname) });
    return `CREATE EXTENSION ${body.extname}`;
  },

  CreateTrigStmt(body, fx) {
    const table = rangeVarName(body.relation);
    fx.lock('SHARE ROW EXCLUSIVE', table.qualified);
    return `CREATE TRIGGER ${body.trigname} ON ${table.qualified}`;
  },

  CreatePolicyStmt(body, fx) {
    const table = rangeVarName(body.table);
    fx.lock('ACCESS EXCLUSIVE', table.qualified);
    return `CREATE POLICY ${body.policy_name} ON ${table.qualified}`;
  },

  CreateFunctionStmt(body, fx, objects) {
    const parts = stringList(body.funcname);
    const name = (parts[parts.length - 1] ?? '?').toLowerCase();
    let language = 'sql';
    let text: string | undefined;
    for (const option of body.options ?? []) {
      const def = nodeOf(option, 'DefElem');
      if (def?.defname === 'language') language = String(nodeOf(def.arg, 'String')?.sval ?? 'sql').toLowerCase();
      if (def?.defname === 'as') {
        const list = nodeOf(def.arg, 'List');
        text = list ? stringList(list.items)[0] : nodeOf(def.arg, 'String')?.sval;
      }
    }
    objects.functions.set(name, { name, language, text: objects.text, body: text, sqlBody: body.sql_body });
    fx.create({ kind: body.is_procedure ? 'procedure' : 'function', schema: parts.length > 1 ? parts[parts.length - 2]! : 'public', name });
    return `CREATE ${body.is_procedure ? 'PROCEDURE' : 'FUNCTION'} ${parts.join('.')}`;
  },
};
