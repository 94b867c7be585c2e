/**
 * The classification of renames and schema moves (`ALTER ... RENAME`, `ALTER ... SET SCHEMA`): the
 * lock they take, and the bookkeeping that keeps later statements naming objects as they were before
 * the migration.
 *
 * Pure: no fs, process or network.
 */
import { qualify as astQualify } from '../../sql/ast.js';
import type { Handlers, NewObjects } from './effects.js';
import { columnKey, qualify, rangeVarName, type Name } from './names.js';

/** ALTER ... RENAME and ALTER ... SET SCHEMA. */
export const renameHandlers: Handlers = {
  RenameStmt(body, fx, objects) {
    const type: string = body.renameType ?? '';
    const newName = String(body.newname);
    if (body.relation) {
      const rel = rangeVarName(body.relation);
      if (type === 'OBJECT_TABLE' || type === 'OBJECT_VIEW' || type === 'OBJECT_MATVIEW' || type === 'OBJECT_FOREIGN_TABLE') {
        fx.lock('ACCESS EXCLUSIVE', rel.qualified);
        const renamed = qualify(rel.schema, newName).qualified;
        if (objects.tables.has(rel.qualified)) {
          objects.tables.delete(rel.qualified);
          objects.tables.add(renamed);
          fx.create({ kind: 'table', schema: rel.schema, name: newName });
        } else moveTable(objects, rel, renamed);
        return `ALTER TABLE ${rel.qualified} RENAME TO ${newName}`;
      }
      if (type === 'OBJECT_COLUMN') {
        fx.lock('ACCESS EXCLUSIVE', rel.qualified);
        renameColumn(objects, rel, String(body.subname), newName);
        return `ALTER TABLE ${rel.qualified} RENAME COLUMN ${body.subname} TO ${newName}`;
      }
      if (type === 'OBJECT_TABCONSTRAINT') {
        fx.lock('ACCESS EXCLUSIVE', rel.qualified);
        return `ALTER TABLE ${rel.qualified} RENAME CONSTRAINT ${body.subname} TO ${newName}`;
      }
      if (type === 'OBJECT_INDEX') {
        fx.lock('SHARE UPDATE EXCLUSIVE', objects.indexes.get(rel.qualified));
        return `ALTER INDEX ${rel.qualified} RENAME TO ${newName}`;
      }
      fx.lock('ACCESS EXCLUSIVE', rel.qualified);
      return `RENAME ${rel.qualified} TO ${newName}`;
    }
    const what = type.replace(/^OBJECT_/, '').replace(/_/g, ' ');
    return `ALTER ${what} RENAME TO ${newName}`;
  },

  AlterObjectSchemaStmt(body, fx, objects) {
    const type: string = body.objectType ?? '';
    if (
      body.relation &&
      (type === 'OBJECT_TABLE' || type === 'OBJECT_FOREIGN_TABLE' || type === 'OBJECT_VIEW' || type === 'OBJECT_MATVIEW')
    ) {
      const rel = rangeVarName(body.relation);
      fx.lock('ACCESS EXCLUSIVE', rel.qualified);
      const moved = astQualify(String(body.newschema), rel.name).qualified;
      if (objects.tables.has(rel.qualified)) {
        objects.tables.delete(rel.qualified);
        objects.tables.add(moved);
      } else moveTable(objects, rel, moved);
      return `ALTER TABLE ${rel.qualified} SET SCHEMA ${body.newschema}`;
    }
    return `ALTER ${type.replace(/^OBJECT_/, '').replace(/_/g, ' ')} SET SCHEMA ${body.newschema}`;
  },
};

/** An existing table renamed or moved: its new name still means the table as it was before. */
export function moveTable(objects: NewObjects, from: Name, to: string): void {
  const origin = objects.origin(from);
  objects.origins.delete(from.qualified);
  objects.origins.set(to, origin);
}

/** A column renamed: a new column keeps being new; an existing one keeps its name from before. */
export function renameColumn(objects: NewObjects, table: Name, from: string, to: string): void {
  const oldKey = columnKey(table.qualified, from);
  if (objects.columns.has(oldKey)) {
    objects.columns.delete(oldKey);
    objects.columns.add(columnKey(table.qualified, to));
    const type = objects.columnTypes.get(oldKey);
    objects.columnTypes.delete(oldKey);
    if (type) objects.columnTypes.set(columnKey(table.qualified, to), type);
    return;
  }
  if (objects.tables.has(table.qualified)) return;
  const origin = objects.origin(table);
  const base = `${origin.schema}.${origin.table}`;
  const before = objects.columnOrigins.get(`${base}.${from}`) ?? from;
  objects.columnOrigins.delete(`${base}.${from}`);
  objects.columnOrigins.set(`${base}.${to}`, before);
  const type = objects.columnTypes.get(oldKey);
  if (type) {
    objects.columnTypes.delete(oldKey);
    objects.columnTypes.set(columnKey(table.qualified, to), type);
  }
}
