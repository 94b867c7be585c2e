/**
 * SQL that recreates a backed-up table from its recorded definition, in its own schema or in
 * another one (`--into-schema`, for inspection). Pure.
 *
 * Statements come in the order a fast restore needs: schema, types and sequences first; the table
 * without constraints; (data is loaded here); then constraints, indexes, sequence ownership and
 * the foreign keys of other tables that pointed at it.
 */
import type { ColumnInfo, ConstraintInfo, EnumInfo, SequenceInfo, TableDefinition, UserTypeInfo } from './types.js';
import { qualify, quoteIdent, quoteLiteral } from './sql-text.js';

/** Where a table is (re)created. */
export interface TableTarget {
  schema: string;
  table: string;
}

/** `original`: the table as it was (foreign keys, serial defaults); `inspect`: a copy elsewhere, without links to other objects. */
export type DdlMode = 'original' | 'inspect';

/** The statements recreating one table, in phases. */
export interface TableDdl {
  schema: string;
  /** Enum types the columns use, to create when missing (checked by the caller: CREATE TYPE has no IF NOT EXISTS). */
  enums: { schema: string; name: string; sql: string }[];
  /** `CREATE SEQUENCE IF NOT EXISTS` for serial sequences. */
  sequences: string[];
  /** `CREATE TABLE ...` with columns, defaults and NOT NULL, but no constraints (`PARTITION BY` for a partitioned table). */
  createTable: string;
  /** `CREATE TABLE ... PARTITION OF ...` for each partition of a partitioned table, parents first. */
  partitions: string[];
  /** `ALTER TABLE parent ATTACH PARTITION ...` for a table that was a partition (after its constraints), else null. */
  attach: string | null;
  /** Primary key, unique, check and exclusion constraints, then indexes (after the data is loaded). */
  constraints: string[];
  /** The table's own foreign keys (after every table of the restore exists). */
  foreignKeys: string[];
  /** `ALTER SEQUENCE ... OWNED BY` for serial sequences. */
  sequenceOwnership: string[];
  /** Foreign keys of other tables that referenced this one (re-added when those tables exist). */
  referencedBy: { schema: string; table: string; name: string; sql: string }[];
  /** Things left out in `inspect` mode, for notes. */
  omitted: string[];
}

/** A column definition: `"name" type [COLLATE c] [DEFAULT ... | GENERATED ...] [NOT NULL]`. */
export function columnSql(column: ColumnInfo, options: { withDefault: boolean; withIdentity: boolean; withNotNull: boolean }): string {
  let text = `${quoteIdent(column.name)} ${column.type}`;
  if (column.collation) text += ` COLLATE ${column.collation}`;
  if (column.generated !== null) text += ` GENERATED ALWAYS AS (${column.generated}) STORED`;
  else if (column.identity && options.withIdentity) text += ` GENERATED ${column.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`;
  else if (column.default !== null && options.withDefault) text += ` DEFAULT ${column.default}`;
  if (column.notNull && options.withNotNull) text += ' NOT NULL';
  return text;
}

/** True when a default draws from a sequence (`nextval(...)`), which may not exist elsewhere. */
export function usesSequence(expression: string | null): boolean {
  return expression !== null && /\bnextval\s*\(/i.test(expression);
}

/** The statements recreating `definition` as `target`. */
export function tableDdl(definition: TableDefinition, target: TableTarget, mode: DdlMode): TableDdl {
  const table = qualify(target.schema, target.table);
  const omitted: string[] = [];
  const columns = definition.columns.map((column) => {
    const dropDefault = mode === 'inspect' && usesSequence(column.default);
    if (dropDefault) omitted.push(`default of ${column.name} (${column.default})`);
    return columnSql(column, { withDefault: !dropDefault, withIdentity: true, withNotNull: true });
  });
  // partitioning is recreated for the table as it was, never for an inspection copy
  const partitionBy = mode === 'original' && definition.partitionBy ? ` PARTITION BY ${definition.partitionBy}` : '';
  const createTable = `CREATE TABLE ${table} (\n  ${columns.join(',\n  ')}\n)${partitionBy}`;
  const partitions =
    mode === 'original' && definition.partitionBy
      ? (definition.partitions ?? []).map(
          (p) =>
            `CREATE TABLE ${qualify(p.schema, p.table)} PARTITION OF ${qualify(p.parentSchema, p.parentTable)} ${p.bound}${p.partitionBy ? ` PARTITION BY ${p.partitionBy}` : ''}`,
        )
      : [];
  const parent = definition.partitionOf;
  const attach =
    mode === 'original' && parent
      ? `ALTER TABLE ${qualify(parent.parentSchema, parent.parentTable)} ATTACH PARTITION ${table} ${parent.bound}`
      : null;
  if (mode === 'inspect' && definition.partitionBy)
    omitted.push(`partitioning (PARTITION BY ${definition.partitionBy}): restored as a plain table`);

  const constraints: string[] = [];
  const foreignKeys: string[] = [];
  for (const constraint of sortConstraints(definition.constraints)) {
    const sql = `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(constraint.name)} ${constraint.def}`;
    if (constraint.type === 'f') {
      if (mode === 'inspect') omitted.push(`foreign key ${constraint.name}`);
      else foreignKeys.push(sql);
    } else constraints.push(sql);
  }
  for (const index of definition.indexes) {
    // `ON ONLY` (a partitioned table's index as pg_get_indexdef prints it) would leave the partitions without it
    const sql =
      mode === 'original'
        ? definition.partitionBy
          ? index.def.replace(' ON ONLY ', ' ON ')
          : index.def
        : retargetIndex(index.def, definition.tableRef, table);
    if (sql) constraints.push(sql);
    else omitted.push(`index ${index.name}`);
  }

  const sequences: string[] = [];
  const sequenceOwnership: string[] = [];
  if (mode === 'original') {
    for (const sequence of definition.sequences.filter((s) => s.kind === 'serial')) {
      sequences.push(createSequenceSql(sequence));
      sequenceOwnership.push(`ALTER SEQUENCE ${qualify(sequence.schema, sequence.name)} OWNED BY ${table}.${quoteIdent(sequence.column)}`);
    }
  }
  const referencedBy =
    mode === 'original'
      ? definition.referencedBy.map((r) => ({
          schema: r.schema,
          table: r.table,
          name: r.name,
          sql: `ALTER TABLE ${qualify(r.schema, r.table)} ADD CONSTRAINT ${quoteIdent(r.name)} ${r.def}`,
        }))
      : [];
  return {
    schema: target.schema,
    enums: mode === 'original' ? definition.enums.map((e) => ({ schema: e.schema, name: e.name, sql: createEnumSql(e) })) : [],
    sequences,
    createTable,
    partitions,
    attach,
    constraints,
    foreignKeys,
    sequenceOwnership,
    referencedBy,
    omitted,
  };
}

/** A plain table holding a partial backup's key and columns (for `--into-schema`). */
export function keyColumnsTableDdl(columns: readonly ColumnInfo[], primaryKey: readonly string[], target: TableTarget): string[] {
  const table = qualify(target.schema, target.table);
  const defs = columns.map((c) => columnSql(c, { withDefault: false, withIdentity: false, withNotNull: primaryKey.includes(c.name) }));
  const statements = [`CREATE TABLE ${table} (\n  ${defs.join(',\n  ')}\n)`];
  if (primaryKey.length) statements.push(`ALTER TABLE ${table} ADD PRIMARY KEY (${primaryKey.map(quoteIdent).join(', ')})`);
  return statements;
}

/** `CREATE TYPE s.name AS ENUM ('a', 'b')`. */
export function createEnumSql(type: EnumInfo): string {
  return `CREATE TYPE ${qualify(type.schema, type.name)} AS ENUM (${type.labels.map(quoteLiteral).join(', ')})`;
}

/** `CREATE TYPE ... AS ENUM`, `CREATE DOMAIN ...` or `CREATE EXTENSION` recreating a type a backed-up column used. */
export function createUserTypeSql(type: UserTypeInfo): string {
  if (type.kind === 'enum') return createEnumSql(type);
  if (type.kind === 'extension') return `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(type.name)} WITH SCHEMA ${quoteIdent(type.schema)}`;
  let text = `CREATE DOMAIN ${qualify(type.schema, type.name)} AS ${type.baseType}`;
  if (type.collation) text += ` COLLATE ${type.collation}`;
  if (type.default !== null) text += ` DEFAULT ${type.default}`;
  if (type.notNull) text += ' NOT NULL';
  for (const check of type.checks) text += ` CONSTRAINT ${quoteIdent(check.name)} ${check.def}`;
  return text;
}

/** `CREATE SEQUENCE IF NOT EXISTS ...` with the recorded options. */
export function createSequenceSql(sequence: SequenceInfo): string {
  return (
    `CREATE SEQUENCE IF NOT EXISTS ${qualify(sequence.schema, sequence.name)} AS ${sequence.type}` +
    ` INCREMENT BY ${sequence.increment} MINVALUE ${sequence.min} MAXVALUE ${sequence.max}` +
    ` START WITH ${sequence.start} CACHE ${sequence.cache}${sequence.cycle ? ' CYCLE' : ' NO CYCLE'}`
  );
}

/**
 * Rewrites `CREATE INDEX name ON <tableRef> USING ...` to create the index on `newTable`; null
 * when the definition does not have the expected shape.
 */
export function retargetIndex(def: string, tableRef: string, newTable: string): string | null {
  for (const on of [` ON ONLY ${tableRef} USING `, ` ON ${tableRef} USING `]) {
    const at = def.indexOf(on);
    if (at > 0) return `${def.slice(0, at)}${on.replace(tableRef, newTable)}${def.slice(at + on.length)}`;
  }
  return null;
}

/** The whole definition as readable SQL (stored in the manifest for people). */
export function definitionText(definition: Omit<TableDefinition, 'ddl'>, target: TableTarget): string {
  const ddl = tableDdl({ ...definition, ddl: '' }, target, 'original');
  const statements = [
    ...ddl.enums.map((e) => e.sql),
    ...ddl.sequences,
    ddl.createTable,
    ...ddl.partitions,
    ...ddl.constraints,
    ...(ddl.attach ? [ddl.attach] : []),
    ...ddl.foreignKeys,
    ...ddl.sequenceOwnership,
  ];
  return statements.map((s) => `${s};`).join('\n');
}

/** Primary key first, then unique, exclusion, check, foreign keys. */
function sortConstraints(constraints: readonly ConstraintInfo[]): ConstraintInfo[] {
  const order: Record<ConstraintInfo['type'], number> = { p: 0, u: 1, x: 2, c: 3, f: 4 };
  return [...constraints].sort((a, b) => order[a.type] - order[b.type] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
