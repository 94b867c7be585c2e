/**
 * Text and JSON for `dbctl backup`, `dbctl backups` and `dbctl restore`. Pure.
 */
import { formatAge, formatBytes, summarize } from './manifest.js';
import type { RestoreResult } from './restore.js';
import type { BackupManifest } from './types.js';

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
      schema: o.schema,
      table: o.table,
      whole: o.whole,
      columns: o.columns.map((c) => c.name),
      rows: o.rows,
      bytes: o.bytes,
      file: o.file,
    })),
    skipped: manifest.skipped,
    rows: manifest.totals.rows,
    bytes: manifest.totals.bytes,
  };
}

/** The text of `dbctl backup`. */
export function renderBackup(manifest: BackupManifest, dir: string | null): string[] {
  const lines = [`backup ${manifest.id} (${locationOf(manifest, dir)})`];
  const width = Math.max(0, ...manifest.objects.map((o) => `${o.schema}.${o.table}`.length));
  for (const o of manifest.objects) {
    const what = o.whole ? 'whole table' : `key + ${o.affectedColumns.join(', ')}`;
    lines.push(`  ${`${o.schema}.${o.table}`.padEnd(width)}  ${n(o.rows).padStart(12)} rows  ${formatBytes(o.bytes).padStart(9)}  ${what}`);
  }
  if (manifest.objects.length === 0) lines.push('  no tables to back up');
  lines.push(`${manifest.objects.length} object(s), ${n(manifest.totals.rows)} rows, ${formatBytes(manifest.totals.bytes)}; verified`);
  return lines;
}

/** The JSON array of `dbctl backups --json` (size is `bytes`; age is `ageSeconds` at `now`). */
export function backupsDocument(manifests: readonly BackupManifest[], now: Date) {
  return manifests.map((m) => ({ ...summarize(m), ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(m.createdAt)) / 1000)) }));
}

/** The table of `dbctl backups`. */
export function renderBackups(manifests: readonly BackupManifest[], where: string, now: Date): string[] {
  if (manifests.length === 0) return [`no backups in ${where}`];
  const rows = manifests.map((m) => {
    const s = summarize(m);
    return [s.id, s.env, s.tag ?? '(manual)', String(s.objects), n(s.rows), formatBytes(s.bytes), formatAge(s.createdAt, now)];
  });
  const header = ['ID', 'ENV', 'TAG', 'OBJECTS', 'ROWS', 'SIZE', 'AGE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const right = new Set([3, 4, 5, 6]);
  const line = (cells: string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [`backups in ${where}`, line(header), ...rows.map(line)];
}

/** The JSON document of `dbctl restore --json`. */
export function restoreDocument(result: RestoreResult) {
  return {
    id: result.id,
    env: result.env,
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

/** The text of `dbctl restore`. */
export function renderRestore(result: RestoreResult, envName: string): string[] {
  const lines = [`restored backup ${result.id} into "${envName}":`];
  for (const o of result.objects) {
    const into = `${o.into.schema}.${o.into.table}`;
    const what =
      o.action === 'created'
        ? `recreated ${into} with ${n(o.rows)} rows`
        : o.action === 'inserted'
          ? `put ${n(o.rows)} rows back into ${into}`
          : `filled ${o.columns.join(', ')} back into ${n(o.rows)} rows of ${into}`;
    lines.push(`  ${o.schema}.${o.table}: ${what}`);
    for (const note of o.notes) lines.push(`    note: ${note}`);
  }
  lines.push(`done in ${(result.ms / 1000).toFixed(1)}s`);
  return lines;
}
