/**
 * One line per difference drizzle-kit's diff found, in words: what the database (or the older
 * side) has, against what is expected. Pure; falls back to the SQL for statement types it does
 * not know.
 */

/** A drizzle-kit JSON statement (only the fields read here are typed). */
export interface KitStatement {
  type: string;
  [key: string]: unknown;
}

/** How the two sides of a diff are called in the sentences. */
export interface Sides {
  /** The side the diff starts from, e.g. `the database`. */
  actual: string;
  /** The side it should become, e.g. `the migrations`. */
  expected: string;
}

const qualify = (schema: unknown, name: unknown) =>
  typeof schema === 'string' && schema !== '' && schema !== 'public' ? `${schema}.${String(name)}` : String(name);

/** The first `;`-separated field of a squashed drizzle-kit entry (its name). */
const squashedName = (data: unknown) =>
  typeof data === 'string' ? data.split(';')[0] : typeof data === 'object' && data ? String((data as { name?: unknown }).name) : '?';

/** Describes each statement; `sql` is the SQL of the whole diff (for the fallback lines). */
export function describeDifferences(statements: readonly KitStatement[], sides: Sides): string[] {
  const lines: string[] = [];
  const { actual, expected } = sides;
  for (const st of statements) {
    const table = qualify(st.schema, st.tableName);
    const column = `${table}.${String(st.columnName ?? (st.column as { name?: string } | undefined)?.name ?? '?')}`;
    let line: string | undefined;
    switch (st.type) {
      case 'create_table':
        line = `table ${table}: missing in ${actual}`;
        break;
      case 'drop_table':
        line = `table ${table}: in ${actual}, not in ${expected}`;
        break;
      case 'rename_table':
        line = `table ${qualify(st.fromSchema, st.tableNameFrom)}: renamed to ${qualify(st.toSchema, st.tableNameTo)} in ${expected}`;
        break;
      case 'alter_table_set_schema':
      case 'alter_table_set_new_schema':
      case 'alter_table_remove_from_schema':
        line = `table ${String(st.tableName)}: in another schema in ${expected}`;
        break;
      case 'alter_table_add_column':
        line = `column ${column}: missing in ${actual}`;
        break;
      case 'alter_table_drop_column':
        line = `column ${column}: in ${actual}, not in ${expected}`;
        break;
      case 'alter_table_rename_column':
        line = `column ${table}.${String(st.oldColumnName)}: renamed to ${String(st.newColumnName)} in ${expected}`;
        break;
      case 'pg_alter_table_alter_column_set_type':
      case 'alter_table_alter_column_set_type': {
        const name = (t: unknown) => (typeof t === 'object' && t ? String((t as { name?: unknown }).name) : String(t));
        line = `column ${column}: type ${name(st.oldDataType)} in ${actual}, ${name(st.newDataType)} in ${expected}`;
        break;
      }
      case 'alter_table_alter_column_set_default':
        line = `column ${column}: default ${st.oldDefaultValue === undefined ? 'none' : String(st.oldDefaultValue)} in ${actual}, ${String(st.newDefaultValue)} in ${expected}`;
        break;
      case 'alter_table_alter_column_drop_default':
        line = `column ${column}: has a default in ${actual}, none in ${expected}`;
        break;
      case 'alter_table_alter_column_set_notnull':
        line = `column ${column}: nullable in ${actual}, NOT NULL in ${expected}`;
        break;
      case 'alter_table_alter_column_drop_notnull':
        line = `column ${column}: NOT NULL in ${actual}, nullable in ${expected}`;
        break;
      case 'alter_table_alter_column_set_identity':
      case 'alter_table_alter_column_drop_identity':
      case 'alter_table_alter_column_change_identity':
        line = `column ${column}: identity differs between ${actual} and ${expected}`;
        break;
      case 'alter_table_alter_column_set_generated':
      case 'alter_table_alter_column_drop_generated':
      case 'alter_table_alter_column_alter_generated':
        line = `column ${column}: generated expression differs between ${actual} and ${expected}`;
        break;
      case 'alter_table_alter_column_set_pk':
      case 'alter_table_alter_column_drop_pk':
        line = `column ${column}: primary key differs between ${actual} and ${expected}`;
        break;
      case 'create_index_pg':
      case 'create_index':
        line = `index ${qualify(st.schema, squashedName(st.data))} on ${table}: missing in ${actual}`;
        break;
      case 'drop_index':
        line = `index ${qualify(st.schema, squashedName(st.data))} on ${table}: in ${actual}, not in ${expected}`;
        break;
      case 'create_reference':
        line = `foreign key ${squashedName(st.data)} on ${table}: missing in ${actual}`;
        break;
      case 'delete_reference':
        line = `foreign key ${squashedName(st.data)} on ${table}: in ${actual}, not in ${expected}`;
        break;
      case 'alter_reference':
        line = `foreign key ${squashedName(st.data)} on ${table}: differs between ${actual} and ${expected}`;
        break;
      case 'create_unique_constraint':
        line = `unique constraint ${squashedName(st.data)} on ${table}: missing in ${actual}`;
        break;
      case 'delete_unique_constraint':
        line = `unique constraint ${squashedName(st.data)} on ${table}: in ${actual}, not in ${expected}`;
        break;
      case 'create_check_constraint':
        line = `check constraint ${squashedName(st.data)} on ${table}: missing in ${actual}`;
        break;
      case 'delete_check_constraint':
        line = `check constraint ${String(st.constraintName ?? squashedName(st.data))} on ${table}: in ${actual}, not in ${expected}`;
        break;
      case 'create_composite_pk':
      case 'delete_composite_pk':
      case 'alter_composite_pk':
        line = `primary key of ${table}: differs between ${actual} and ${expected}`;
        break;
      case 'create_type_enum':
        line = `enum ${qualify(st.schema, st.name)}: missing in ${actual}`;
        break;
      case 'drop_type_enum':
        line = `enum ${qualify(st.schema, st.name)}: in ${actual}, not in ${expected}`;
        break;
      case 'alter_type_add_value':
        line = `enum ${qualify(st.schema, st.name)}: value '${String(st.value)}' missing in ${actual}`;
        break;
      case 'alter_type_drop_value':
        line = `enum ${qualify(st.enumSchema, st.name)}: value${(st.deletedValues as unknown[]).length === 1 ? '' : 's'} ${(st.deletedValues as unknown[]).map((v) => `'${String(v)}'`).join(', ')} in ${actual}, not in ${expected}`;
        break;
      case 'create_schema':
        line = `schema ${String(st.name)}: missing in ${actual}`;
        break;
      case 'drop_schema':
        line = `schema ${String(st.name)}: in ${actual}, not in ${expected}`;
        break;
      case 'create_sequence':
        line = `sequence ${qualify(st.schema, st.name)}: missing in ${actual}`;
        break;
      case 'drop_sequence':
        line = `sequence ${qualify(st.schema, st.name)}: in ${actual}, not in ${expected}`;
        break;
      case 'alter_sequence':
        line = `sequence ${qualify(st.schema, st.name)}: options differ between ${actual} and ${expected}`;
        break;
      case 'create_view':
        line = `view ${qualify(st.schema, st.name)}: missing in ${actual}`;
        break;
      case 'drop_view':
        line = `view ${qualify(st.schema, st.name)}: in ${actual}, not in ${expected}`;
        break;
      case 'enable_rls':
        line = `table ${table}: row level security off in ${actual}, on in ${expected}`;
        break;
      case 'disable_rls':
        // drizzle-kit emits this beside a dropped table; it says nothing of its own then
        if (statements.some((other) => other.type === 'drop_table' && other.tableName === st.tableName && other.schema === st.schema))
          continue;
        line = `table ${table}: row level security on in ${actual}, off in ${expected}`;
        break;
      default:
        line = `${st.type.replace(/_/g, ' ')}${st.tableName ? ` on ${table}` : ''}: differs between ${actual} and ${expected}`;
    }
    if (!lines.includes(line)) lines.push(line);
  }
  return lines;
}
