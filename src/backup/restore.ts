/**
 * Restoring a backup, all in one transaction: dropped tables are recreated from their definition
 * and loaded (constraints and indexes after the data, like pg_restore); rows go back into tables
 * that exist; dropped or retyped columns are re-added if missing and filled back by primary key
 * from a temporary table loaded with COPY; `intoSchema` puts copies in another schema instead.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type postgres from 'postgres';
import { DbctlError, isDbctlError } from '../errors.js';
import { readCurrentTable, readReferenceEdges, typeExists } from './catalog.js';
import { copyInFromFile, ChecksumMismatchError, CopyRejectedError } from './copy-in.js';
import { columnSql, keyColumnsTableDdl, tableDdl, usesSequence, type TableDdl } from './ddl.js';
import { parseTableList, type TableName } from './plan.js';
import { orderByReferences, planRestoreObject, selectObjects, type ColumnCopy, type RestoreAction } from './restore-plan.js';
import { displayName, qualify, quoteIdent, quoteLiteral } from './sql-text.js';
import { readDatabaseManifest } from './store-database.js';
import { readDirectoryManifest } from './store-dir.js';
import { BACKUP_SCHEMA, type BackupManifest, type BackupObject, type BackupTarget, type ProgressListener } from './types.js';

/** Options of a restore. */
export interface RestoreOptions {
  /** Restore only these tables (`table` or `schema.table`; unqualified names are in public). */
  tables?: readonly (string | TableName)[];
  /** Recreate every object as a new table in this schema (created if missing), for inspection. */
  intoSchema?: string;
  onProgress?: ProgressListener;
}

/** What happened to one object. */
export interface RestoredObject {
  schema: string;
  table: string;
  /** Where the rows went. */
  into: { schema: string; table: string };
  /** `created`: table recreated and loaded; `inserted`: rows put back into the existing table; `filled`: columns set back by key. */
  action: 'created' | 'inserted' | 'filled';
  columns: string[];
  rows: number;
  notes: string[];
}

/** The outcome of a restore. */
export interface RestoreResult {
  id: string;
  env: string;
  tag: string | null;
  objects: RestoredObject[];
  ms: number;
}

interface Step {
  object: BackupObject;
  action: Exclude<RestoreAction, { kind: 'refuse' }>;
  ddl: TableDdl | null;
}

/** Reads a backup's manifest from its target (USAGE when there is no such backup). */
export async function readManifest(target: BackupTarget, id: string, sql?: postgres.Sql): Promise<BackupManifest> {
  if (target.kind === 'dir') return await readDirectoryManifest(target.dir, id);
  if (!sql) throw new Error('the database target needs a connection');
  return await readDatabaseManifest(sql, id);
}

/** Restores backup `id` into the database `sql` is connected to; one transaction. */
export async function restoreBackup(sql: postgres.Sql, target: BackupTarget, id: string, options: RestoreOptions = {}): Promise<RestoreResult> {
  const started = performance.now();
  const manifest = await readManifest(target, id, sql);
  let names: TableName[] | undefined;
  if (options.tables?.length) {
    try {
      names = options.tables.flatMap((t) => (typeof t === 'string' ? parseTableList(t) : [t]));
    } catch (error) {
      throw new DbctlError('USAGE', `--tables: ${(error as Error).message}`, { hint: 'write --tables users,billing.invoices' });
    }
  }
  let objects: BackupObject[];
  try {
    objects = selectObjects(manifest, names);
  } catch (error) {
    throw new DbctlError('USAGE', (error as Error).message, { hint: `run \`dbctl backups --json\` to see what backup ${id} holds` });
  }
  const intoSchema = options.intoSchema ?? null;
  if (intoSchema !== null && !intoSchema.trim()) throw new DbctlError('USAGE', '--into-schema needs a schema name');
  const progress = options.onProgress ?? (() => {});
  const dir = target.kind === 'dir' ? path.join(target.dir, id) : null;
  let current = 'the restore';

  try {
    const results = await sql.begin(async (tx) => {
      await tx`select pg_catalog.set_config('search_path', 'pg_catalog', true), pg_catalog.set_config('statement_timeout', '0', true)`;

      // 1. decide everything before changing anything
      const steps: Step[] = [];
      for (const object of objects) {
        const destSchema = intoSchema ?? object.schema;
        const now = await readCurrentTable(tx, destSchema, object.table);
        const action = planRestoreObject(object, now, intoSchema);
        if (action.kind === 'refuse') throw new DbctlError('OPERATION_FAILED', `cannot restore ${displayName(object.schema, object.table)}: ${action.message}`, { hint: action.hint });
        const ddl =
          action.kind === 'create' && action.mode === 'original' && object.definition
            ? tableDdl(object.definition, { schema: action.schema, table: action.table }, 'original')
            : action.kind === 'create' && object.definition
              ? tableDdl(object.definition, { schema: action.schema, table: action.table }, 'inspect')
              : null;
        steps.push({ object, action, ddl });
      }

      // rows go into existing tables after the rows of the tables they reference
      const edges = await readReferenceEdges(tx, steps.filter((s) => s.action.kind !== 'create').map((s) => s.action));
      if (edges.length) {
        const ordered = orderByReferences(steps.map((step) => ({ schema: step.action.schema, table: step.action.table, step })), edges);
        steps.splice(0, steps.length, ...ordered.map((o) => o.step));
      }

      // 2. schemas, enum types, sequences and tables
      const schemas = new Set(steps.filter((s) => s.action.kind === 'create').map((s) => s.action.schema));
      for (const schema of schemas) await tx.unsafe(`create schema if not exists ${quoteIdent(schema)}`);
      for (const step of steps) {
        if (step.action.kind !== 'create') continue;
        if (step.ddl) {
          for (const type of step.ddl.enums) {
            if (!(await typeExists(tx, type.schema, type.name))) {
              await tx.unsafe(`create schema if not exists ${quoteIdent(type.schema)}`);
              await tx.unsafe(type.sql);
            }
          }
          for (const statement of step.ddl.sequences) await tx.unsafe(statement);
          await tx.unsafe(step.ddl.createTable);
        } else {
          // a key-and-columns backup restored for inspection
          const [create] = keyColumnsTableDdl(step.object.columns, [], { schema: step.action.schema, table: step.action.table });
          await tx.unsafe(create!);
        }
      }

      // 3. data
      const results: RestoredObject[] = [];
      for (const [index, step] of steps.entries()) {
        const { object, action } = step;
        const name = displayName(object.schema, object.table);
        current = name;
        const t0 = performance.now();
        progress({ type: 'object-start', operation: 'restore', name, index, total: steps.length, expectedRows: object.rows, expectedBytes: object.rawBytes || null });
        const onBytes = (bytes: number) =>
          progress({ type: 'object-progress', operation: 'restore', name, bytes, rows: object.rawBytes ? Math.round((object.rows * bytes) / object.rawBytes) : 0 });
        const source = { tx, manifest, object, dir, index, onBytes };
        let restored: RestoredObject;
        if (action.kind === 'create') {
          const into = { schema: action.schema, table: action.table };
          const columns = object.columns.map((c) => ({ name: c.name, castTo: null }));
          await loadInto(source, into, columns, { direct: true, skipConflicts: false });
          restored = { schema: object.schema, table: object.table, into, action: 'created', columns: object.columns.map((c) => c.name), rows: object.rows, notes: [...action.notes, ...(step.ddl?.omitted.map((o) => `left out: ${o}`) ?? [])] };
        } else if (action.kind === 'insert') {
          const into = { schema: action.schema, table: action.table };
          const rows = await loadInto(source, into, action.columns, { direct: action.direct, skipConflicts: action.skipConflicts });
          const notes = [...action.notes];
          if (rows < object.rows) notes.push(`${object.rows - rows} of ${object.rows} rows were already there and kept`);
          restored = { schema: object.schema, table: object.table, into, action: 'inserted', columns: action.columns.map((c) => c.name), rows, notes };
        } else {
          const rows = await fillColumns(source, action);
          restored = {
            schema: object.schema,
            table: object.table,
            into: { schema: action.schema, table: action.table },
            action: 'filled',
            columns: action.update.map((c) => c.name),
            rows,
            notes: [...action.notes, ...(rows < object.rows ? [`${object.rows - rows} of ${object.rows} backed-up rows no longer exist in the table (matched by ${object.primaryKey.join(', ')})`] : [])],
          };
        }
        results.push(restored);
        progress({ type: 'object-done', operation: 'restore', name, rows: restored.rows, bytes: object.rawBytes, ms: performance.now() - t0 });
      }

      // 4. constraints and indexes after the data, then foreign keys, sequences, and the foreign keys of others
      current = 'constraints and indexes';
      for (const step of steps) {
        if (step.action.kind !== 'create') continue;
        if (!step.ddl) {
          if (step.object.primaryKey.length) {
            await tx.unsafe(`alter table ${qualify(step.action.schema, step.action.table)} add primary key (${step.object.primaryKey.map(quoteIdent).join(', ')})`);
          }
          continue;
        }
        for (const statement of step.ddl.constraints) await tx.unsafe(statement);
      }
      for (const step of steps) {
        if (step.action.kind !== 'create' || !step.ddl) continue;
        for (const statement of step.ddl.foreignKeys) await tx.unsafe(statement);
        for (const statement of step.ddl.sequenceOwnership) await tx.unsafe(statement);
        await resetSequences(tx, step);
      }
      for (const [index, step] of steps.entries()) {
        if (step.action.kind !== 'create' || !step.ddl) continue;
        for (const reference of step.ddl.referencedBy) {
          // the other table may be gone, or its rows may no longer match: keep the restore, say so
          const label = `foreign key ${reference.name} of ${displayName(reference.schema, reference.table)}`;
          try {
            await tx.savepoint(async (sp) => {
              const [state] = await sp<{ found: boolean; table_exists: boolean }[]>`
                select pg_catalog.to_regclass(${qualify(reference.schema, reference.table)}) is not null as table_exists,
                       exists (select 1 from pg_catalog.pg_constraint k join pg_catalog.pg_class c on c.oid = k.conrelid
                               join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                               where n.nspname = ${reference.schema} and c.relname = ${reference.table} and k.conname = ${reference.name}) as found`;
              if (!state?.table_exists) {
                results[index]!.notes.push(`${label} not re-added: that table no longer exists`);
                return;
              }
              if (state.found) return;
              await sp.unsafe(reference.sql);
              results[index]!.notes.push(`${label} re-added`);
            });
          } catch (error) {
            results[index]!.notes.push(`${label} not re-added: ${(error as Error).message}`);
          }
        }
      }
      return results;
    });
    const result: RestoreResult = { id, env: manifest.env, tag: manifest.tag, objects: results, ms: performance.now() - started };
    progress({ type: 'done', operation: 'restore', id, rows: results.reduce((s, r) => s + r.rows, 0), bytes: 0, ms: result.ms });
    return result;
  } catch (error) {
    if (isDbctlError(error)) throw error;
    const message = error instanceof ChecksumMismatchError ? error.message : (error as Error)?.message ?? String(error);
    throw new DbctlError('OPERATION_FAILED', `restore of backup ${id} failed at ${current}: ${message}; nothing was changed`, {
      hint: error instanceof ChecksumMismatchError ? 'the backup is damaged; restore another backup' : 'fix the cause above, or restore into another schema with --into-schema <schema> to inspect the data',
      cause: error,
    });
  }
}

interface Source {
  tx: postgres.TransactionSql;
  manifest: BackupManifest;
  object: BackupObject;
  dir: string | null;
  index: number;
  onBytes: (bytes: number) => void;
}

/** `"col"` or `"col"::type` of the backup source, with the cast back from text for the database target. */
function sourceExpression(source: Source, alias: string, column: ColumnCopy): string {
  const info = source.object.columns.find((c) => c.name === column.name)!;
  let expression = `${alias}.${quoteIdent(column.name)}`;
  if (info.storedAsText) expression = `${expression}::${info.type}`;
  if (column.castTo) expression = `(${expression})::${column.castTo}`;
  return expression;
}

/**
 * A relation holding the backup's rows: the `dbctl_backups` table (database target), or a
 * temporary table loaded from the data file (dir target).
 */
async function sourceRelation(source: Source): Promise<string> {
  const { tx, object, dir } = source;
  if (dir === null) return qualify(BACKUP_SCHEMA, object.file);
  const temp = quoteIdent(`dbctl_restore_${source.index}`);
  const defs = object.columns.map((c) => columnSql(c, { withDefault: false, withIdentity: false, withNotNull: false }));
  await tx.unsafe(`create temporary table ${temp} (${defs.join(', ')}) on commit drop`);
  await copyInFromFile(tx, `copy ${temp} (${object.columns.map((c) => quoteIdent(c.name)).join(', ')}) from stdin`, path.join(dir, object.file), object.sha256, source.onBytes);
  await tx.unsafe(`analyze ${temp}`);
  return temp;
}

/** Puts the backup's rows into `into`; returns how many went in. */
async function loadInto(
  source: Source,
  into: { schema: string; table: string },
  columns: ColumnCopy[],
  how: { direct: boolean; skipConflicts: boolean },
): Promise<number> {
  const { tx, object, dir } = source;
  const table = qualify(into.schema, into.table);
  if (how.direct && dir !== null && columns.every((c) => c.castTo === null) && columns.length === object.columns.length) {
    const copySql = `copy ${table} (${object.columns.map((c) => quoteIdent(c.name)).join(', ')}) from stdin`;
    try {
      await tx.savepoint((sp) => copyInFromFile(sp, copySql, path.join(dir, object.file), object.sha256, source.onBytes));
      return object.rows;
    } catch (error) {
      // postgres.js loses the server's message when it rejects the data at the end of a COPY;
      // the slower path below (temporary table, then INSERT) reports the real reason
      if (!(error instanceof CopyRejectedError)) throw error;
    }
  }
  const relation = await sourceRelation(source);
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  const select = columns.map((c) => sourceExpression(source, 'b', c)).join(', ');
  const result = await tx.unsafe(
    `insert into ${table} (${list}) overriding system value select ${select} from ${relation} b${how.skipConflicts ? ' on conflict do nothing' : ''}`,
  );
  return Number(result.count ?? 0);
}

/** Re-adds missing columns and sets the backed-up values back by key; returns rows updated. */
async function fillColumns(source: Source, action: Extract<RestoreAction, { kind: 'fill-columns' }>): Promise<number> {
  const { tx } = source;
  const table = qualify(action.schema, action.table);
  for (const add of action.add) {
    await tx.unsafe(`alter table ${table} add column ${columnSql(add.column, { withDefault: false, withIdentity: false, withNotNull: false })}`);
  }
  if (action.update.length === 0) return 0;
  const relation = await sourceRelation(source);
  const assignments = action.update.map((c) => `${quoteIdent(c.name)} = ${sourceExpression(source, 'b', c)}`).join(', ');
  const match = action.key.map((k) => `t.${quoteIdent(k.name)} = ${sourceExpression(source, 'b', k)}`).join(' and ');
  const casts = action.update.filter((c) => c.castTo !== null);
  let result: postgres.RowList<postgres.Row[]>;
  try {
    result = await tx.unsafe(`update ${table} as t set ${assignments} from ${relation} b where ${match}`);
  } catch (error) {
    if (casts.length === 0) throw error;
    const backed = (name: string) => source.object.columns.find((c) => c.name === name)?.type ?? '?';
    const list = casts.map((c) => `${c.name} is now ${c.castTo} (was ${backed(c.name)})`).join(', ');
    throw new DbctlError('OPERATION_FAILED', `cannot restore ${displayName(action.schema, action.table)}: column ${list} and the backed-up values cannot be cast to it: ${(error as Error).message}; nothing was changed`, {
      hint: `change the column back to ${casts.map((c) => backed(c.name)).join(', ')} (a migration, e.g. from \`dbctl revert <tag>\`) and restore again, or restore into another schema with --into-schema <schema>`,
      cause: error,
    });
  }
  for (const add of action.add) {
    if (add.withDefault && add.column.default !== null) {
      await tx.unsafe(`alter table ${table} alter column ${quoteIdent(add.column.name)} set default ${add.column.default}`);
    }
    if (add.setNotNull) {
      const [nulls] = await tx.unsafe<{ found: boolean }[]>(`select exists (select 1 from ${table} where ${quoteIdent(add.column.name)} is null) as found`);
      if (nulls?.found) action.notes.push(`column ${add.column.name} left nullable: some rows have no value in the backup`);
      else await tx.unsafe(`alter table ${table} alter column ${quoteIdent(add.column.name)} set not null`);
    }
  }
  return Number(result.count ?? 0);
}

/** Sets serial and identity sequences past the restored values (and the recorded last value). */
async function resetSequences(tx: postgres.TransactionSql, step: Step): Promise<void> {
  const definition = step.object.definition;
  if (!definition || step.action.kind !== 'create') return;
  const table = qualify(step.action.schema, step.action.table);
  for (const column of definition.columns) {
    const sequence = definition.sequences.find((s) => s.column === column.name);
    const isIdentity = column.identity !== null;
    const isSerial = sequence?.kind === 'serial' && (step.ddl?.sequences.length ?? 0) > 0 && usesSequence(column.default);
    if (!isIdentity && !isSerial) continue;
    const last = sequence?.lastValue && step.action.mode === 'original' ? `${sequence.lastValue}::bigint` : 'null::bigint';
    const name = isIdentity
      ? `pg_catalog.pg_get_serial_sequence(${quoteLiteral(table)}, ${quoteLiteral(column.name)})`
      : quoteLiteral(qualify(sequence!.schema, sequence!.name));
    const [row] = await tx.unsafe<{ v: string | null }[]>(
      `select greatest(${last}, (select max(${quoteIdent(column.name)})::bigint from ${table})) as v`,
    );
    if (row?.v !== null && row?.v !== undefined) await tx.unsafe(`select pg_catalog.setval(${name}, ${row.v}::bigint, true)`);
  }
}
