/**
 * Text and JSON for `dbctl backup`, `dbctl backups` and `dbctl restore`: each text view renders
 * from its `--json` document. Pure.
 */
import { formatAge, formatBytes, summarize } from './manifest.js';
import type { RestoreResult } from './restore.js';
import { tableWithColumnNames, type BackupManifest } from './types.js';

const n = (value: number) => value.toLocaleString('en-US');

/** Where a backup is, for people. */
export function locationOf(manifest: BackupManifest, dir: string | null): string {
  return manifest.target === 'dir' && dir ? `${dir}/${manifest.id}` : `schema dbctl_backups of database ${manifest.database}`;
}

/** The JSON document of `dbctl backup --json`. */
export function backupDocument(manifest: BackupManifest, dir: string | null) {
  return {
    id: manifest.id,
    env: manifest.env,
    database: manifest.database,
    target: manifest.target,
    location: locationOf(manifest, dir),
    createdAt: manifest.createdAt,
    objects: manifest.objects.map((o) => ({
      ...tableWithColumnNames(o),
      /** Besides the primary key, the columns kept when not `whole`. */
      affectedColumns: o.affectedColumns,
      rows: o.rows,
      bytes: o.bytes,
      file: o.file,
    })),
    skipped: manifest.skipped,
    rows: manifest.totals.rows,
    bytes: manifest.totals.bytes,
  };
}

/** The `--json` document of `dbctl backup`. */
export type BackupDocument = ReturnType<typeof backupDocument>;

/** The text of `dbctl backup`, from its document. */
export function renderBackup(document: BackupDocument): string[] {
  const lines = [`backup ${document.id} (${document.location})`];
  const width = Math.max(0, ...document.objects.map((o) => `${o.schema}.${o.table}`.length));
  for (const o of document.objects) {
    const what = o.whole ? 'whole table' : `key + ${o.affectedColumns.join(', ')}`;
    lines.push(`  ${`${o.schema}.${o.table}`.padEnd(width)}  ${n(o.rows).padStart(12)} rows  ${formatBytes(o.bytes).padStart(9)}  ${what}`);
  }
  if (document.objects.length === 0) lines.push('  no tables to back up');
  lines.push(`${document.objects.length} object(s), ${n(document.rows)} rows, ${formatBytes(document.bytes)}; verified`);
  return lines;
}

/** The JSON array of `dbctl backups --json` (size is `bytes`; age is `ageSeconds` at `now`). */
export function backupsDocument(manifests: readonly BackupManifest[], now: Date) {
  return manifests.map((m) => ({ ...summarize(m), ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(m.createdAt)) / 1000)) }));
}

/** The `--json` document of `dbctl backups` (an array). */
export type BackupsDocument = ReturnType<typeof backupsDocument>;

/** The table of `dbctl backups`, from its document; `where` names the target listed. */
export function renderBackups(document: BackupsDocument, where: string): string[] {
  if (document.length === 0) return [`no backups in ${where}`];
  const rows = document.map((s) => {
    const age = formatAge(s.createdAt, new Date(Date.parse(s.createdAt) + s.ageSeconds * 1000));
    return [s.id, s.env, s.tag ?? '(manual)', String(s.objects), n(s.rows), formatBytes(s.bytes), age];
  });
  const header = ['ID', 'ENV', 'TAG', 'OBJECTS', 'ROWS', 'SIZE', 'AGE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const right = new Set([3, 4, 5, 6]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [`backups in ${where}`, line(header), ...rows.map(line)];
}

/** The JSON document of `dbctl restore --json`; `intoEnv` is the environment restored into (`env` is the backup's). */
export function restoreDocument(result: RestoreResult, intoEnv: string) {
  return {
    id: result.id,
    env: result.env,
    intoEnv,
    tag: result.tag,
    objects: result.objects.map((o) => ({
      schema: o.schema,
      table: o.table,
      into: `${o.into.schema}.${o.into.table}`,
      action: o.action,
      columns: o.columns,
      rows: o.rows,
      notes: o.notes,
    })),
    rows: result.objects.reduce((sum, o) => sum + o.rows, 0),
    ms: Math.round(result.ms),
  };
}

/** The `--json` document of `dbctl restore`. */
export type RestoreDocument = ReturnType<typeof restoreDocument>;

/** The text of `dbctl restore`, from its document. */
export function renderRestore(document: RestoreDocument): string[] {
  const lines = [`restored backup ${document.id} into "${document.intoEnv}":`];
  for (const o of document.objects) {
    const what =
      o.action === 'created'
        ? `recreated ${o.into} with ${n(o.rows)} rows`
        : o.action === 'inserted'
          ? `put ${n(o.rows)} rows back into ${o.into}`
          : `filled ${o.columns.join(', ')} back into ${n(o.rows)} rows of ${o.into}`;
    lines.push(`  ${o.schema}.${o.table}: ${what}`);
    for (const note of o.notes) lines.push(`    note: ${note}`);
  }
  lines.push(`done in ${(document.ms / 1000).toFixed(1)}s`);
  return lines;
}
