/**
 * The `database` target: backups kept inside the same database, in the `dbctl_backups` schema, for
 * container entrypoints whose disk disappears. One table per backed-up object
 * (`<id>__<schema>__<table>`) and the manifests in `dbctl_backups.manifests`.
 *
 * Columns of user-defined types (enums, domains, extension types) are stored as text: a later
 * `DROP TYPE/SCHEMA/EXTENSION ... CASCADE` would otherwise drop them from the backup too.
 */
import type postgres from 'postgres';
import { DbctlError } from '../errors.js';
import { parseManifest } from './manifest.js';
import { isBackupId, newestFirst } from './plan.js';
import { qualify, quoteIdent } from './sql-text.js';
import { BACKUP_SCHEMA, type BackupManifest, type ColumnInfo } from './types.js';
import { unknownBackup } from './store-dir.js';

type Sql = postgres.Sql | postgres.TransactionSql;

const MANIFESTS = `${quoteIdent(BACKUP_SCHEMA)}.manifests`;

/** Creates the schema and the manifests table when missing. */
export async function ensureBackupSchema(sql: Sql): Promise<void> {
  await sql.unsafe(`create schema if not exists ${quoteIdent(BACKUP_SCHEMA)}`);
  await sql.unsafe(
    `create table if not exists ${MANIFESTS} (id text primary key, env text not null, created_at timestamptz not null, manifest jsonb not null)`,
  );
}

/**
 * Copies the columns of a table (`only`: without inheritance children, as COPY does) into a new
 * `dbctl_backups` table; returns rows and bytes, checked by a count.
 */
export async function copyIntoBackupTable(
  sql: postgres.TransactionSql,
  source: { schema: string; table: string },
  columns: readonly ColumnInfo[],
  name: string,
  only = false,
): Promise<{ rows: number; bytes: number }> {
  const target = qualify(BACKUP_SCHEMA, name);
  const select = columns
    .map((c) => (c.storedAsText ? `${quoteIdent(c.name)}::text as ${quoteIdent(c.name)}` : quoteIdent(c.name)))
    .join(', ');
  const created = await sql.unsafe(
    `create table ${target} as select ${select} from ${only ? 'only ' : ''}${qualify(source.schema, source.table)}`,
  );
  const [counted] = await sql.unsafe<{ rows: string; bytes: string }[]>(
    `select count(*)::text as rows, pg_catalog.pg_total_relation_size('${target.replace(/'/g, "''")}'::pg_catalog.regclass)::text as bytes from ${target}`,
  );
  const rows = Number(counted?.rows ?? -1);
  if (created.count !== null && created.count !== undefined && Number(created.count) !== rows) {
    throw new DbctlError('BACKUP_FAILED', `backup table ${target} holds ${rows} rows, but ${created.count} were copied`, {
      hint: 'this backup is not usable: run it again, and report it if it repeats',
    });
  }
  return { rows, bytes: Number(counted?.bytes ?? 0) };
}

/** Records a manifest (in the backup's transaction, so the backup appears complete or not at all). */
export async function insertManifest(sql: Sql, manifest: BackupManifest): Promise<void> {
  await sql.unsafe(`insert into ${MANIFESTS} (id, env, created_at, manifest) values ($1, $2, $3::text::timestamptz, $4::text::jsonb)`, [
    manifest.id,
    manifest.env,
    manifest.createdAt,
    JSON.stringify(manifest),
  ]);
}

async function hasManifests(sql: Sql): Promise<boolean> {
  const [row] = await sql<{ t: string | null }[]>`select pg_catalog.to_regclass(${MANIFESTS})::text as t`;
  return Boolean(row?.t);
}

/** Every backup of the database, newest first. */
export async function listDatabase(sql: Sql, onProblem?: (message: string) => void): Promise<BackupManifest[]> {
  if (!(await hasManifests(sql))) return [];
  const rows = await sql.unsafe<{ id: string; manifest: string }[]>(
    `select id, manifest::text as manifest from ${MANIFESTS} order by created_at desc, id desc`,
  );
  const manifests: BackupManifest[] = [];
  for (const row of rows) {
    try {
      manifests.push(parseManifest(row.manifest, row.id));
    } catch (error) {
      onProblem?.((error as Error).message);
    }
  }
  return manifests.sort(newestFirst);
}

/** One backup's manifest; USAGE (exit 2) when there is none. */
export async function readDatabaseManifest(sql: Sql, id: string): Promise<BackupManifest> {
  const where = `in the ${BACKUP_SCHEMA} schema of the database`;
  if (!isBackupId(id) || !(await hasManifests(sql))) throw unknownBackup(id, where);
  const [row] = await sql.unsafe<{ manifest: string }[]>(`select manifest::text as manifest from ${MANIFESTS} where id = $1`, [id]);
  if (!row) throw unknownBackup(id, where);
  return parseManifest(row.manifest, id);
}

/** Drops a backup's tables and its manifest row, in one transaction. */
export async function removeDatabaseBackup(sql: postgres.Sql, manifest: BackupManifest): Promise<void> {
  await sql.begin(async (tx) => {
    for (const object of manifest.objects) await tx.unsafe(`drop table if exists ${qualify(BACKUP_SCHEMA, object.file)}`);
    await tx.unsafe(`delete from ${MANIFESTS} where id = $1`, [manifest.id]);
  });
}
