/**
 * What to change in the schema code after a revert migration, so that code and migrations agree
 * again: one sentence per change, naming the schema file that defines the object (found by its
 * quoted name in the files' text). Pure apart from the text handed in.
 */
import type { KitStatement } from '../live/describe.js';

/** A schema file and its text. */
export interface SchemaText {
  /** As shown to the user (relative path). */
  file: string;
  text: string;
}

const qualify = (schema: unknown, name: unknown) =>
  typeof schema === 'string' && schema !== '' && schema !== 'public' ? `${schema}.${String(name)}` : String(name);
const squashedName = (data: unknown) =>
  typeof data === 'string' ? data.split(';')[0]! : typeof data === 'object' && data ? String((data as { name?: unknown }).name) : '?';

/** The first file that names `name` in quotes ('users', "users" or `users`). */
export function fileDefining(name: string, files: readonly SchemaText[]): string | undefined {
  const quoted = [`'${name}'`, `"${name}"`, `\`${name}\``];
  return files.find((f) => quoted.some((q) => f.text.includes(q)))?.file;
}

/** Column details from a snapshot column, as a drizzle declaration would say them. */
function columnWords(column: { type?: unknown; notNull?: unknown; default?: unknown; primaryKey?: unknown } | undefined): string {
  if (!column) return '';
  const parts = [String(column.type ?? '?')];
  if (column.primaryKey) parts.push('primary key');
  if (column.notNull) parts.push('not null');
  if (column.default !== undefined) parts.push(`default ${String(column.default)}`);
  return ` (${parts.join(', ')})`;
}

/**
 * The code changes that make the schema in code match the snapshot after the revert. `statements`
 * are the revert's drizzle-kit JSON statements; `files` the schema files (the first is named when
 * an object's file cannot be found, e.g. a table the code no longer has).
 */
export function codeChanges(statements: readonly KitStatement[], files: readonly SchemaText[]): string[] {
  const lines: string[] = [];
  const fallback = files[0]?.file ?? 'the schema';
  const inFile = (name: string) => fileDefining(name, files) ?? fallback;
  // a view or index dropped and created again under the same name was changed, not removed
  const recreated = (drop: string, create: string[], name: (st: KitStatement) => string) => {
    const dropped = new Set(statements.filter((st) => st.type === drop).map(name));
    return new Set(statements.filter((st) => create.includes(st.type) && dropped.has(name(st))).map(name));
  };
  const viewName = (st: KitStatement) => qualify(st.schema, st.name);
  const indexName = (st: KitStatement) => `${qualify(st.schema, st.tableName)}.${squashedName(st.data)}`;
  const changedViews = recreated('drop_view', ['create_view'], viewName);
  const changedIndexes = recreated('drop_index', ['create_index_pg', 'create_index'], indexName);
  for (const st of statements) {
    if (st.type === 'drop_view' && changedViews.has(viewName(st))) continue;
    if (st.type === 'drop_index' && changedIndexes.has(indexName(st))) continue;
    if (st.type === 'create_view' && changedViews.has(viewName(st))) {
      lines.push(`change view ${viewName(st)} back to its definition before the reverted migration in ${inFile(String(st.name))}`);
      continue;
    }
    if ((st.type === 'create_index_pg' || st.type === 'create_index') && changedIndexes.has(indexName(st))) {
      lines.push(`change index ${squashedName(st.data)} on ${qualify(st.schema, st.tableName)} back in ${inFile(String(st.tableName))}`);
      continue;
    }
    const tableName = String(st.tableName ?? '');
    const table = qualify(st.schema, st.tableName);
    const where = inFile(tableName);
    const columnName = String(st.columnName ?? (st.column as { name?: string } | undefined)?.name ?? '?');
    let line: string | undefined;
    switch (st.type) {
      case 'create_table':
        {
          const columns = Array.isArray(st.columns)
            ? st.columns.map((c: { name?: unknown }) => String(c.name))
            : Object.keys((st.columns as Record<string, unknown>) ?? {});
          line = `add table ${table} back to ${where} (columns: ${columns.join(', ') || 'see the snapshot'})`;
        }
        break;
      case 'drop_table':
        line = `remove table ${table} from ${where}`;
        break;
      case 'rename_table':
        line = `rename table ${qualify(st.fromSchema, st.tableNameFrom)} back to ${qualify(st.toSchema, st.tableNameTo)} in ${inFile(String(st.tableNameFrom))}`;
        break;
      case 'alter_table_set_schema':
      case 'alter_table_set_new_schema':
      case 'alter_table_remove_from_schema':
        line = `move table ${tableName} back to schema ${String(st.schemaTo ?? st.schema ?? 'public') || 'public'} in ${where}`;
        break;
      case 'alter_table_add_column':
        line = `add column ${table}.${columnName} back to ${where}${columnWords(st.column as never)}`;
        break;
      case 'alter_table_drop_column':
        line = `remove column ${table}.${columnName} from ${where}`;
        break;
      case 'alter_table_rename_column':
        line = `rename column ${table}.${String(st.oldColumnName)} back to ${String(st.newColumnName)} in ${where}`;
        break;
      case 'pg_alter_table_alter_column_set_type':
      case 'alter_table_alter_column_set_type': {
        const name = (t: unknown) => (typeof t === 'object' && t ? String((t as { name?: unknown }).name) : String(t));
        line = `change column ${table}.${columnName} back to type ${name(st.newDataType)} in ${where}`;
        break;
      }
      case 'alter_table_alter_column_set_default':
        line = `change column ${table}.${columnName} back to default ${String(st.newDefaultValue)} in ${where}`;
        break;
      case 'alter_table_alter_column_drop_default':
        line = `remove the default of column ${table}.${columnName} in ${where}`;
        break;
      case 'alter_table_alter_column_set_notnull':
        line = `make column ${table}.${columnName} NOT NULL again (.notNull()) in ${where}`;
        break;
      case 'alter_table_alter_column_drop_notnull':
        line = `make column ${table}.${columnName} nullable again (no .notNull()) in ${where}`;
        break;
      case 'create_index_pg':
      case 'create_index':
        line = `add index ${squashedName(st.data)} on ${table} back to ${where}`;
        break;
      case 'drop_index':
        line = `remove index ${squashedName(st.data)} on ${table} from ${where}`;
        break;
      case 'create_reference':
        line = `add foreign key ${squashedName(st.data)} on ${table} back to ${where}`;
        break;
      case 'delete_reference':
        line = `remove foreign key ${squashedName(st.data)} on ${table} from ${where}`;
        break;
      case 'create_unique_constraint':
        line = `add unique constraint ${squashedName(st.data)} on ${table} back to ${where}`;
        break;
      case 'delete_unique_constraint':
        line = `remove unique constraint ${squashedName(st.data)} on ${table} from ${where}`;
        break;
      case 'create_check_constraint':
        line = `add check constraint ${squashedName(st.data)} on ${table} back to ${where}`;
        break;
      case 'delete_check_constraint':
        line = `remove check constraint ${String(st.constraintName ?? squashedName(st.data))} on ${table} from ${where}`;
        break;
      case 'create_composite_pk':
      case 'delete_composite_pk':
      case 'alter_composite_pk':
        line = `change the primary key of ${table} back in ${where}`;
        break;
      case 'create_type_enum':
        line = `add enum ${qualify(st.schema, st.name)} back to ${inFile(String(st.name))} (values: ${((st.values as unknown[]) ?? []).map(String).join(', ')})`;
        break;
      case 'drop_type_enum':
        line = `remove enum ${qualify(st.schema, st.name)} from ${inFile(String(st.name))}`;
        break;
      case 'alter_type_add_value':
        line = `add value '${String(st.value)}' back to enum ${qualify(st.schema, st.name)} in ${inFile(String(st.name))}`;
        break;
      case 'alter_type_drop_value':
        line = `remove value${(st.deletedValues as unknown[]).length === 1 ? '' : 's'} ${(st.deletedValues as unknown[]).map((v) => `'${String(v)}'`).join(', ')} from enum ${qualify(st.enumSchema, st.name)} in ${inFile(String(st.name))}`;
        break;
      case 'rename_type_enum':
        line = `rename enum ${qualify(st.schema, st.nameFrom)} back to ${String(st.nameTo)} in ${inFile(String(st.nameFrom))}`;
        break;
      case 'create_schema':
        line = `add schema ${String(st.name)} back (pgSchema('${String(st.name)}')) to ${inFile(String(st.name))}`;
        break;
      case 'drop_schema':
        line = `remove schema ${String(st.name)} from ${inFile(String(st.name))}`;
        break;
      case 'rename_schema':
        line = `rename schema ${String(st.from)} back to ${String(st.to)} in ${inFile(String(st.from))}`;
        break;
      case 'create_sequence':
        line = `add sequence ${qualify(st.schema, st.name)} back to ${inFile(String(st.name))}`;
        break;
      case 'drop_sequence':
        line = `remove sequence ${qualify(st.schema, st.name)} from ${inFile(String(st.name))}`;
        break;
      case 'create_view':
        line = `add view ${qualify(st.schema, st.name)} back to ${inFile(String(st.name))}`;
        break;
      case 'drop_view':
        line = `remove view ${qualify(st.schema, st.name)} from ${inFile(String(st.name))}`;
        break;
      case 'disable_rls':
      case 'enable_rls':
        continue;
      default:
        line = `undo: ${st.type.replace(/_/g, ' ')}${tableName ? ` on ${table}` : ''} in ${tableName ? where : fallback}`;
    }
    if (!lines.includes(line)) lines.push(line);
  }
  return lines;
}
