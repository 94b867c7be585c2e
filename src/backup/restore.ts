/**
 * Restoring a backup, all in one transaction: dropped tables are recreated from their definition
 * and loaded (constraints and indexes after the data, like pg_restore; partitioned tables with
 * their partitions, a dropped partition attached back to its parent); rows go back into tables
 * that exist; dropped or retyped columns are re-added if missing and filled back by primary key
 * from a temporary table loaded with COPY; `intoSchema` puts copies in another schema instead.
 * Values written since the backup are never replaced silently: RESTORE_CONFLICT unless `overwrite`.
 */
import path from 'node:path';
import type postgres from 'postgres';
import { DbctlError, isDbctlError } from '../errors.js';
import { countRows, extensionExists, readCurrentTable, readReferenceEdges, typeExists } from './catalog.js';
import { copyInFromFile, ChecksumMismatchError, CopyRejectedError } from './copy-in.js';
import { columnSql, createUserTypeSql, keyColumnsTableDdl, tableDdl, usesSequence, type TableDdl } from './ddl.js';
import { parseTableList, type TableName } from './plan.js';
import { orderByReferences, planRestoreObject, selectObjects, type ColumnCopy, type RestoreAction } from './restore-plan.js';
import { displayName, qualify, quoteIdent, quoteLiteral } from './sql-text.js';
import { readDatabaseManifest } from './store-database.js';
import { readDirectoryManifest } from './store-dir.js';
import {
  BACKUP_SCHEMA,
  type BackupManifest,
  type BackupObject,
  type BackupTarget,
  type ProgressListener,
  type UserTypeInfo,
} from './types.js';

/** Options of a restore. */
export interface RestoreOptions {
  /** Restore only these tables (`table` or `schema.table`; unqualified names are in public). */
  tables?: readonly (string | TableName)[];
  /** Recreate every object as a new table in this schema (created if missing), for inspection. */
  intoSchema?: string;
  /** Replace values written since the backup (rows changed, columns added again) with the backup's (`--overwrite`). */
  overwrite?: boolean;
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
  /** Position in the plan (names the step's temporary table). */
  index: number;
  object: BackupObject;
  action: Exclude<RestoreAction, { kind: 'refuse' }>;
  ddl: TableDdl | null;
  /** The relation holding the backup's rows, once loaded (conflict checks and the data phase share it). */
  relation: string | null;
}

/** A restore to run: the backup, what of it, and how. */
interface RestoreRequest {
  id: string;
  manifest: BackupManifest;
  objects: BackupObject[];
  intoSchema: string | null;
  overwrite: boolean;
  /** The backup's directory (`dir` target), else null. */
  dir: string | null;
  progress: ProgressListener;
}

/** Reads a backup's manifest from its target (USAGE when there is no such backup). */
export async function readManifest(target: BackupTarget, id: string, sql?: postgres.Sql): Promise<BackupManifest> {
  if (target.kind === 'dir') return await readDirectoryManifest(target.dir, id);
  // an internal assertion (a caller passing no connection for the database target is a dbctl bug), not a user-facing outcome
  if (!sql) throw new Error('the database target needs a connection');
  return await readDatabaseManifest(sql, id);
}

/**
 * Restores backup `id` into the database `sql` is connected to, in one transaction, in four
 * phases: plan (how to put back each object, given the tables as they are now), check conflicts
 * (values written since the backup: RESTORE_CONFLICT unless `overwrite`), apply (types, tables,
 * data, constraints, partitions attached, foreign keys), verify (recreated tables hold the
 * backup's row counts). Any failure rolls everything back.
 */
export async function restoreBackup(
  sql: postgres.Sql,
  target: BackupTarget,
  id: string,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  const started = performance.now();
  const request = await openRestore(sql, target, id, options);
  const at = { current: 'the restore' };
  try {
    const results = await sql.begin(async (tx) => {
      // row_security off: row-level security that would hide rows from the checks or the writes raises an error instead
      await tx`select pg_catalog.set_config('search_path', 'pg_catalog', true), pg_catalog.set_config('statement_timeout', '0', true),
                      pg_catalog.set_config('row_security', 'off', true)`;
      const steps = await planSteps(tx, request);
      at.current = 'the conflict check';
      await checkConflicts(tx, request, steps);
      const restored = await applySteps(tx, request, steps, at);
      at.current = 'the verification';
      await verifyRestore(tx, steps, restored);
      return restored;
    });
    const result: RestoreResult = {
      id,
      env: request.manifest.env,
      tag: request.manifest.tag,
      objects: results,
      ms: performance.now() - started,
    };
    request.progress({ type: 'done', operation: 'restore', id, rows: results.reduce((s, r) => s + r.rows, 0), bytes: 0, ms: result.ms });
    return result;
  } catch (error) {
    if (isDbctlError(error)) throw error;
    const message = error instanceof ChecksumMismatchError ? error.message : ((error as Error)?.message ?? String(error));
    throw new DbctlError('OPERATION_FAILED', `restore of backup ${id} failed at ${at.current}: ${message}; nothing was changed`, {
      hint:
        error instanceof ChecksumMismatchError
          ? 'the backup is damaged; restore another backup'
          : 'fix the cause above, or restore into another schema with --into-schema <schema> to inspect the data',
      cause: error,
    });
  }
}

/** Reads the manifest and checks the options (USAGE for unknown tables or a bad schema name). */
async function openRestore(sql: postgres.Sql, target: BackupTarget, id: string, options: RestoreOptions): Promise<RestoreRequest> {
  const manifest = await readManifest(target, id, sql);
  let names: TableName[] | undefined;
  if (options.tables?.length) {
    names = options.tables.flatMap((t) => (typeof t === 'string' ? parseTableList(t) : [t]));
  }
  const objects = selectObjects(manifest, names);
  const intoSchema = options.intoSchema ?? null;
  if (intoSchema !== null && !intoSchema.trim()) throw new DbctlError('USAGE', '--into-schema needs a schema name');
  return {
    id,
    manifest,
    objects,
    intoSchema,
    overwrite: Boolean(options.overwrite),
    dir: target.kind === 'dir' ? path.join(target.dir, id) : null,
    progress: options.onProgress ?? (() => {}),
  };
}

/**
 * Phase 1, plan: decides for every object how it goes back, from the tables as they are now,
 * before anything changes; a partition needs its partitioned parent (there now, or recreated by
 * this restore). Rows go into existing tables after the rows of the tables they reference.
 */
async function planSteps(tx: postgres.TransactionSql, request: RestoreRequest): Promise<Step[]> {
  const steps: Step[] = [];
  for (const object of request.objects) {
    const now = await readCurrentTable(tx, request.intoSchema ?? object.schema, object.table);
    const action = planRestoreObject(object, now, request.intoSchema, request.overwrite);
    if (action.kind === 'refuse')
      throw new DbctlError('OPERATION_FAILED', `cannot restore ${displayName(object.schema, object.table)}: ${action.message}`, {
        hint: action.hint,
      });
    const ddl =
      action.kind === 'create' && object.definition
        ? tableDdl(object.definition, { schema: action.schema, table: action.table }, action.mode)
        : null;
    steps.push({ index: steps.length, object, action, ddl, relation: null });
  }
  const kept: Step[] = [];
  for (const step of steps) {
    const parent = step.ddl?.attach ? step.object.definition?.partitionOf : null;
    if (!parent) {
      kept.push(step);
      continue;
    }
    const parentName = displayName(parent.parentSchema, parent.parentTable);
    // the parent comes back with its partitions, and its data file holds their rows
    const viaParent = steps.find(
      (s) => s.ddl && s.object.definition?.partitions?.some((p) => p.schema === step.object.schema && p.table === step.object.table),
    );
    if (viaParent) {
      if (viaParent.action.kind === 'create')
        viaParent.action.notes.push(`${displayName(step.object.schema, step.object.table)} recreated as its partition, with its rows`);
      continue;
    }
    const current = await readCurrentTable(tx, parent.parentSchema, parent.parentTable);
    if (!current || !current.partitioned) {
      throw new DbctlError(
        'OPERATION_FAILED',
        `cannot restore ${displayName(step.object.schema, step.object.table)}: it was a partition of ${parentName}, which ${current ? 'is no longer partitioned' : 'no longer exists'}, so it cannot be attached back; nothing was changed`,
        {
          hint: `restore ${parentName} first (from the backup that holds it), or restore into another schema with --into-schema <schema> to inspect the rows`,
        },
      );
    }
    kept.push(step);
  }
  const edges = await readReferenceEdges(
    tx,
    kept.filter((s) => s.action.kind !== 'create').map((s) => s.action),
  );
  if (edges.length === 0) return kept;
  return orderByReferences(
    kept.map((step) => ({ schema: step.action.schema, table: step.action.table, step })),
    edges,
  ).map((o) => o.step);
}

/**
 * Phase 2, check conflicts: values written since the backup that the restore would replace. A
 * table of the backed-up name created since with rows; rows whose key exists with other values;
 * a dropped column added again with values other than the backup's. Unless `overwrite`, any of
 * them is RESTORE_CONFLICT (exit 1) naming the table, column, number of rows and a few keys.
 */
async function checkConflicts(tx: postgres.TransactionSql, request: RestoreRequest, steps: readonly Step[]): Promise<void> {
  if (request.overwrite) return;
  const conflicts: string[] = [];
  for (const step of steps) {
    const { action, object } = step;
    const name = displayName(action.schema, action.table);
    if (action.kind === 'insert' && action.recreated) {
      const rows = await countRows(tx, qualify(action.schema, action.table), false);
      conflicts.push(`${name} was dropped after the backup and created again, and holds ${rows} row(s) written since`);
    } else if (action.kind === 'insert' && action.key.length) {
      const keyColumns = action.key.map((k) => action.columns.find((c) => c.name === k)!);
      const differs = `row(${action.columns.map((c) => `t.${quoteIdent(c.name)}::pg_catalog.text`).join(', ')}) is distinct from row(${action.columns.map((c) => `(${sourceExpression(object, 'b', c)})::pg_catalog.text`).join(', ')})`;
      const changed = await conflictingRows(tx, step, request, keyColumns, differs);
      if (changed.rows)
        conflicts.push(
          `${name}: ${changed.rows} row(s) changed since the backup (${describeKeys(action.key, changed.keys, changed.rows)})`,
        );
    } else if (action.kind === 'fill-columns') {
      for (const column of action.reAdded) {
        const copy = action.update.find((c) => c.name === column)!;
        // the value ADD COLUMN gave every row (its default) was not written since the backup
        const byDefault = await columnDefault(tx, action.schema, action.table, column);
        const notDefault =
          byDefault === null ? '' : ` and t.${quoteIdent(column)}::pg_catalog.text is distinct from (${byDefault})::pg_catalog.text`;
        const differs = `t.${quoteIdent(column)} is not null and t.${quoteIdent(column)}::pg_catalog.text is distinct from (${sourceExpression(object, 'b', copy)})::pg_catalog.text${notDefault}`;
        const written = await conflictingRows(tx, step, request, action.key, differs);
        const keys = object.primaryKey;
        if (written.rows)
          conflicts.push(
            `column ${name}.${column} was dropped after the backup and added again, and ${written.rows} row(s) hold values written since (${describeKeys(keys, written.keys, written.rows)})`,
          );
      }
    }
  }
  if (conflicts.length === 0) return;
  throw new DbctlError(
    'RESTORE_CONFLICT',
    `restore of backup ${request.id} would overwrite data written since the backup: ${conflicts.join('; ')}; nothing was changed`,
    {
      hint: `run \`dbctl restore ${request.id} --overwrite\` to replace those values with the backup's, or restore into another schema with --into-schema <schema> to compare first`,
    },
  );
}

/**
 * The default expression of a column as PostgreSQL prints it, or null when it has none. Evaluated
 * once in the conflict check: a volatile default (now(), a random uuid) then matches no row, so
 * those rows stay conflicts (fail closed).
 */
async function columnDefault(tx: postgres.TransactionSql, schema: string, table: string, column: string): Promise<string | null> {
  const [row] = await tx<{ expr: string | null }[]>`
    select pg_catalog.pg_get_expr(d.adbin, d.adrelid) as expr
      from pg_catalog.pg_attribute a
      join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where a.attrelid = pg_catalog.format('%I.%I', ${schema}::text, ${table}::text)::pg_catalog.regclass
       and a.attname = ${column} and not a.attisdropped and a.attgenerated = ''`;
  return row?.expr ?? null;
}

/** Rows of the step's table matched by key to the backup's where `differs` holds: how many, and the first few keys. */
async function conflictingRows(
  tx: postgres.TransactionSql,
  step: Step,
  request: RestoreRequest,
  key: readonly ColumnCopy[],
  differs: string,
): Promise<{ rows: number; keys: string[] }> {
  const relation = await stepRelation(tx, step, request);
  const table = qualify(step.action.schema, step.action.table);
  const match = key.map((k) => `t.${quoteIdent(k.name)} = ${sourceExpression(step.object, 'b', k)}`).join(' and ');
  const keyText =
    key.length === 1
      ? `t.${quoteIdent(key[0]!.name)}::pg_catalog.text`
      : `row(${key.map((k) => `t.${quoteIdent(k.name)}`).join(', ')})::pg_catalog.text`;
  const order = key.map((k) => `t.${quoteIdent(k.name)}`).join(', ');
  const [row] = await tx.unsafe<{ rows: string; keys: string[] | null }[]>(
    `select count(*)::pg_catalog.text as rows, (pg_catalog.array_agg(${keyText} order by ${order}))[1:5] as keys from ${relation} b join ${table} t on ${match} where ${differs}`,
  );
  return { rows: Number(row?.rows ?? 0), keys: row?.keys ?? [] };
}

/** `id = 1, 2, 3, 4, 5, …`. */
function describeKeys(key: readonly (string | ColumnCopy)[], keys: readonly string[], rows: number): string {
  const names = key.map((k) => (typeof k === 'string' ? k : k.name));
  return `${names.length === 1 ? names[0] : `(${names.join(', ')})`} = ${keys.join(', ')}${rows > keys.length ? ', …' : ''}`;
}

/**
 * Phase 3, apply: missing types, schemas, sequences and tables (partitioned tables with their
 * partitions); the data; then constraints and indexes, partitions attached to their parents,
 * foreign keys, sequences, and the foreign keys of other tables that pointed at recreated ones.
 */
async function applySteps(
  tx: postgres.TransactionSql,
  request: RestoreRequest,
  steps: readonly Step[],
  at: { current: string },
): Promise<RestoredObject[]> {
  at.current = 'types and tables';
  const typeNotes = await createMissingTypes(tx, steps);
  await createTables(tx, steps);
  const results: RestoredObject[] = [];
  for (const [position, step] of steps.entries()) {
    at.current = displayName(step.object.schema, step.object.table);
    results.push(await loadStep(tx, request, step, position, steps.length));
  }
  for (const [step, notes] of typeNotes) results[steps.indexOf(step)]!.notes.push(...notes);
  at.current = 'constraints and indexes';
  await finishTables(tx, steps, results);
  return results;
}

/** Creates the enum and domain types the backed-up columns use that no longer exist (bases first). */
async function createMissingTypes(tx: postgres.TransactionSql, steps: readonly Step[]): Promise<Map<Step, string[]>> {
  const notes = new Map<Step, string[]>();
  const done = new Set<string>();
  for (const step of steps) {
    const types: UserTypeInfo[] =
      step.object.types ??
      (step.ddl?.enums ?? []).map((e) => ({
        kind: 'enum' as const,
        schema: e.schema,
        name: e.name,
        labels: step.object.definition?.enums.find((d) => d.schema === e.schema && d.name === e.name)?.labels ?? [],
      }));
    for (const type of types) {
      const key = `${type.schema}.${type.name}`;
      if (done.has(key)) continue;
      done.add(key);
      if (type.kind === 'extension' ? await extensionExists(tx, type.name) : await typeExists(tx, type.schema, type.name)) continue;
      await tx.unsafe(`create schema if not exists ${quoteIdent(type.schema)}`);
      await tx.unsafe(createUserTypeSql(type));
      const what =
        type.kind === 'extension'
          ? `extension ${type.name} created again`
          : `type ${displayName(type.schema, type.name)} recreated (${type.kind})`;
      notes.set(step, [...(notes.get(step) ?? []), what]);
    }
  }
  return notes;
}

/** Schemas, sequences and the tables to recreate (partitioned ones with their partitions), without constraints. */
async function createTables(tx: postgres.TransactionSql, steps: readonly Step[]): Promise<void> {
  const creating = steps.filter((s) => s.action.kind === 'create');
  const schemas = new Set([
    ...creating.map((s) => s.action.schema),
    ...creating.flatMap((s) => (s.ddl ? (s.object.definition?.partitions?.map((p) => p.schema) ?? []) : [])),
  ]);
  for (const schema of schemas) await tx.unsafe(`create schema if not exists ${quoteIdent(schema)}`);
  for (const step of creating) {
    if (step.ddl) {
      for (const statement of step.ddl.sequences) await tx.unsafe(statement);
      await tx.unsafe(step.ddl.createTable);
      for (const statement of step.ddl.partitions) await tx.unsafe(statement);
    } else {
      // a key-and-columns backup restored for inspection
      const [create] = keyColumnsTableDdl(step.object.columns, [], { schema: step.action.schema, table: step.action.table });
      await tx.unsafe(create!);
    }
  }
}

/** Puts one object's data back; returns what was done. */
async function loadStep(
  tx: postgres.TransactionSql,
  request: RestoreRequest,
  step: Step,
  position: number,
  total: number,
): Promise<RestoredObject> {
  const { object, action } = step;
  const name = displayName(object.schema, object.table);
  const t0 = performance.now();
  request.progress({
    type: 'object-start',
    operation: 'restore',
    name,
    index: position,
    total,
    expectedRows: object.rows,
    expectedBytes: object.rawBytes || null,
  });
  let done: Pick<RestoredObject, 'action' | 'columns' | 'rows' | 'notes'>;
  if (action.kind === 'create') {
    const columns = object.columns.map((c) => ({ name: c.name, castTo: null }));
    await loadInto(tx, request, step, columns, { direct: true, skipConflicts: false, key: [], overwrite: false });
    const notes = [...action.notes, ...(step.ddl?.omitted.map((o) => `left out: ${o}`) ?? [])];
    if (step.ddl?.partitions.length) notes.push(`recreated partitioned, with its ${step.ddl.partitions.length} partition(s)`);
    done = { action: 'created', columns: object.columns.map((c) => c.name), rows: object.rows, notes };
  } else if (action.kind === 'insert') {
    const rows = await loadInto(tx, request, step, action.columns, action);
    const notes = [...action.notes];
    if (rows < object.rows) notes.push(`${object.rows - rows} of ${object.rows} rows were already there and kept`);
    done = { action: 'inserted', columns: action.columns.map((c) => c.name), rows, notes };
  } else {
    const rows = await fillColumns(tx, request, step, action);
    const notes = [
      ...action.notes,
      ...(rows < object.rows
        ? [
            `${object.rows - rows} of ${object.rows} backed-up rows no longer exist in the table (matched by ${object.primaryKey.join(', ')})`,
          ]
        : []),
    ];
    done = { action: 'filled', columns: action.update.map((c) => c.name), rows, notes };
  }
  const restored: RestoredObject = {
    schema: object.schema,
    table: object.table,
    into: { schema: action.schema, table: action.table },
    ...done,
  };
  request.progress({
    type: 'object-done',
    operation: 'restore',
    name,
    rows: restored.rows,
    bytes: object.rawBytes,
    ms: performance.now() - t0,
  });
  return restored;
}

/** After the data: constraints and indexes, partitions attached, foreign keys, sequences, and the foreign keys of others. */
async function finishTables(tx: postgres.TransactionSql, steps: readonly Step[], results: RestoredObject[]): Promise<void> {
  for (const step of steps) {
    if (step.action.kind !== 'create') continue;
    if (!step.ddl) {
      if (step.object.primaryKey.length) {
        await tx.unsafe(
          `alter table ${qualify(step.action.schema, step.action.table)} add primary key (${step.object.primaryKey.map(quoteIdent).join(', ')})`,
        );
      }
      continue;
    }
    for (const statement of step.ddl.constraints) await tx.unsafe(statement);
    if (step.ddl.attach) {
      await tx.unsafe(step.ddl.attach);
      const parent = step.object.definition!.partitionOf!;
      results[steps.indexOf(step)]!.notes.push(
        `attached again as a partition of ${displayName(parent.parentSchema, parent.parentTable)} (${parent.bound})`,
      );
    }
  }
  for (const step of steps) {
    if (step.action.kind !== 'create' || !step.ddl) continue;
    for (const statement of step.ddl.foreignKeys) await tx.unsafe(statement);
    for (const statement of step.ddl.sequenceOwnership) await tx.unsafe(statement);
    await resetSequences(tx, step);
  }
  for (const [index, step] of steps.entries()) {
    if (step.action.kind !== 'create' || !step.ddl) continue;
    for (const reference of step.ddl.referencedBy) await readdReference(tx, reference, results[index]!);
  }
}

/** Re-adds a foreign key of another table that pointed at a recreated one; the other table may be gone, or its rows may no longer match: keep the restore, say so. */
async function readdReference(
  tx: postgres.TransactionSql,
  reference: TableDdl['referencedBy'][number],
  result: RestoredObject,
): Promise<void> {
  const label = `foreign key ${reference.name} of ${displayName(reference.schema, reference.table)}`;
  try {
    await tx.savepoint(async (sp) => {
      const [state] = await sp<{ found: boolean; table_exists: boolean }[]>`
        select pg_catalog.to_regclass(${qualify(reference.schema, reference.table)}) is not null as table_exists,
               exists (select 1 from pg_catalog.pg_constraint k join pg_catalog.pg_class c on c.oid = k.conrelid
                       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                       where n.nspname = ${reference.schema} and c.relname = ${reference.table} and k.conname = ${reference.name}) as found`;
      if (!state?.table_exists) {
        result.notes.push(`${label} not re-added: that table no longer exists`);
        return;
      }
      if (state.found) return;
      await sp.unsafe(reference.sql);
      result.notes.push(`${label} re-added`);
    });
  } catch (error) {
    result.notes.push(`${label} not re-added: ${(error as Error).message}`);
  }
}

/**
 * Phase 4, verify: every recreated table holds the rows the backup holds (counted by PostgreSQL
 * in the restore's transaction); otherwise the restore fails and nothing stays changed.
 */
async function verifyRestore(tx: postgres.TransactionSql, steps: readonly Step[], results: readonly RestoredObject[]): Promise<void> {
  for (const [index, step] of steps.entries()) {
    if (step.action.kind !== 'create') continue;
    const counted = await countRows(tx, qualify(step.action.schema, step.action.table), false);
    if (counted !== step.object.rows) {
      throw new DbctlError(
        'OPERATION_FAILED',
        `restore of ${displayName(step.object.schema, step.object.table)} could not be verified: the backup holds ${step.object.rows} rows, ${displayName(step.action.schema, step.action.table)} has ${counted}; nothing was changed`,
        {
          hint: 'restore into another schema with --into-schema <schema> to inspect the data',
        },
      );
    }
    results[index]!.rows = counted;
  }
}

/** `"col"` or `"col"::type` of the backup source, with the cast back from text for the database target. */
function sourceExpression(object: BackupObject, alias: string, column: ColumnCopy): string {
  const info = object.columns.find((c) => c.name === column.name)!;
  let expression = `${alias}.${quoteIdent(column.name)}`;
  if (info.storedAsText) expression = `${expression}::${info.type}`;
  if (column.castTo) expression = `(${expression})::${column.castTo}`;
  return expression;
}

/** Reports restore progress by decompressed bytes sent. */
function bytesProgress(request: RestoreRequest, object: BackupObject): (bytes: number) => void {
  const name = displayName(object.schema, object.table);
  return (bytes) =>
    request.progress({
      type: 'object-progress',
      operation: 'restore',
      name,
      bytes,
      rows: object.rawBytes ? Math.round((object.rows * bytes) / object.rawBytes) : 0,
    });
}

/**
 * A relation holding the step's backed-up rows: the `dbctl_backups` table (database target), or a
 * temporary table loaded once from the data file (dir target).
 */
async function stepRelation(tx: postgres.TransactionSql, step: Step, request: RestoreRequest): Promise<string> {
  if (step.relation) return step.relation;
  const { object } = step;
  if (request.dir === null) return (step.relation = qualify(BACKUP_SCHEMA, object.file));
  const temp = quoteIdent(`dbctl_restore_${step.index}`);
  const defs = object.columns.map((c) => columnSql(c, { withDefault: false, withIdentity: false, withNotNull: false }));
  await tx.unsafe(`create temporary table ${temp} (${defs.join(', ')}) on commit drop`);
  await copyInFromFile(
    tx,
    `copy ${temp} (${object.columns.map((c) => quoteIdent(c.name)).join(', ')}) from stdin`,
    path.join(request.dir, object.file),
    object.sha256,
    bytesProgress(request, object),
  );
  await tx.unsafe(`analyze ${temp}`);
  return (step.relation = temp);
}

/**
 * Puts the backup's rows into the step's table; returns how many went in. Rows whose key exists
 * are skipped (`skipConflicts`), or set to the backup's values (`overwrite`, by `key`).
 */
async function loadInto(
  tx: postgres.TransactionSql,
  request: RestoreRequest,
  step: Step,
  columns: ColumnCopy[],
  how: { direct: boolean; skipConflicts: boolean; key: string[]; overwrite: boolean },
): Promise<number> {
  const { object, action } = step;
  const dir = request.dir;
  const table = qualify(action.schema, action.table);
  if (
    how.direct &&
    dir !== null &&
    step.relation === null &&
    columns.every((c) => c.castTo === null) &&
    columns.length === object.columns.length
  ) {
    const copySql = `copy ${table} (${object.columns.map((c) => quoteIdent(c.name)).join(', ')}) from stdin`;
    try {
      await tx.savepoint((sp) => copyInFromFile(sp, copySql, path.join(dir, object.file), object.sha256, bytesProgress(request, object)));
      return object.rows;
    } catch (error) {
      // postgres.js loses the server's message when it rejects the data at the end of a COPY;
      // the slower path below (temporary table, then INSERT) reports the real reason
      if (!(error instanceof CopyRejectedError)) throw error;
    }
  }
  const relation = await stepRelation(tx, step, request);
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  const select = columns.map((c) => sourceExpression(object, 'b', c)).join(', ');
  let onConflict = how.skipConflicts ? ' on conflict do nothing' : '';
  const updated = columns.filter((c) => !how.key.includes(c.name));
  if (how.overwrite && how.key.length && updated.length) {
    // only rows whose values differ are written (and counted)
    const target = updated.map((c) => `${quoteIdent(c.name)} = excluded.${quoteIdent(c.name)}`).join(', ');
    const differs = `row(${updated.map((c) => `t.${quoteIdent(c.name)}::pg_catalog.text`).join(', ')}) is distinct from row(${updated.map((c) => `excluded.${quoteIdent(c.name)}::pg_catalog.text`).join(', ')})`;
    onConflict = ` on conflict (${how.key.map(quoteIdent).join(', ')}) do update set ${target} where ${differs}`;
  }
  const result = await tx.unsafe(
    `insert into ${table} as t (${list}) overriding system value select ${select} from ${relation} b${onConflict}`,
  );
  return Number(result.count ?? 0);
}

/** Re-adds missing columns and sets the backed-up values back by key; returns rows updated. */
async function fillColumns(
  tx: postgres.TransactionSql,
  request: RestoreRequest,
  step: Step,
  action: Extract<RestoreAction, { kind: 'fill-columns' }>,
): Promise<number> {
  const { object } = step;
  const table = qualify(action.schema, action.table);
  for (const add of action.add) {
    await tx.unsafe(
      `alter table ${table} add column ${columnSql(add.column, { withDefault: false, withIdentity: false, withNotNull: false })}`,
    );
  }
  if (action.update.length === 0) return 0;
  const relation = await stepRelation(tx, step, request);
  const assignments = action.update.map((c) => `${quoteIdent(c.name)} = ${sourceExpression(object, 'b', c)}`).join(', ');
  const match = action.key.map((k) => `t.${quoteIdent(k.name)} = ${sourceExpression(object, 'b', k)}`).join(' and ');
  const casts = action.update.filter((c) => c.castTo !== null);
  let result: postgres.RowList<postgres.Row[]>;
  try {
    result = await tx.unsafe(`update ${table} as t set ${assignments} from ${relation} b where ${match}`);
  } catch (error) {
    if (casts.length === 0) throw error;
    const backed = (name: string) => object.columns.find((c) => c.name === name)?.type ?? '?';
    const list = casts.map((c) => `${c.name} is now ${c.castTo} (was ${backed(c.name)})`).join(', ');
    throw new DbctlError(
      'OPERATION_FAILED',
      `cannot restore ${displayName(action.schema, action.table)}: column ${list} and the backed-up values cannot be cast to it: ${(error as Error).message}; nothing was changed`,
      {
        hint: `change the column back to ${casts.map((c) => backed(c.name)).join(', ')} (a migration, e.g. from \`dbctl revert <tag>\`) and restore again, or restore into another schema with --into-schema <schema>`,
        cause: error,
      },
    );
  }
  for (const add of action.add) {
    if (add.withDefault && add.column.default !== null) {
      await tx.unsafe(`alter table ${table} alter column ${quoteIdent(add.column.name)} set default ${add.column.default}`);
    }
    if (add.setNotNull) {
      const [nulls] = await tx.unsafe<{ found: boolean }[]>(
        `select exists (select 1 from ${table} where ${quoteIdent(add.column.name)} is null) as found`,
      );
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
