/**
 * Building and checking backup manifests. A manifest read back from disk or the database is
 * untrusted: it is validated before anything is restored from it. Pure.
 */
import { DbctlError } from '../errors.js';
import { MANIFEST_FORMAT, type BackupManifest, type BackupObject, type SkippedObject } from './types.js';
import { isBackupId } from './plan.js';

/** The facts of a backup that are not its objects (its time as a Date, its compression decided later). */
export type ManifestHeader = Omit<BackupManifest, 'format' | 'createdAt' | 'compression' | 'objects' | 'skipped' | 'totals'> & {
  createdAt: Date;
};

/** Assembles a manifest; totals are computed from the objects. */
export function buildManifest(header: ManifestHeader, objects: BackupObject[], skipped: SkippedObject[]): BackupManifest {
  return {
    format: MANIFEST_FORMAT,
    id: header.id,
    env: header.env,
    database: header.database,
    serverVersion: header.serverVersion,
    tag: header.tag,
    reason: header.reason,
    createdAt: header.createdAt.toISOString(),
    dbctlVersion: header.dbctlVersion,
    target: header.target,
    compression: header.target === 'dir' ? 'gzip' : null,
    objects,
    skipped,
    totals: {
      objects: objects.length,
      rows: objects.reduce((sum, o) => sum + o.rows, 0),
      bytes: objects.reduce((sum, o) => sum + o.bytes, 0),
    },
  };
}

/** A stored manifest's text, parsed and validated: `OPERATION_FAILED` naming the backup when it is unusable. */
export function parseManifest(text: string, id: string): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw unusable(id, `its manifest is not JSON (${(error as Error).message})`);
  }
  return validateManifest(value, id);
}

/** The error for a backup whose manifest cannot be trusted. */
function unusable(id: string | undefined, why: string): DbctlError {
  return new DbctlError('OPERATION_FAILED', `backup ${id ?? '(unknown id)'} cannot be used: ${why}`, {
    hint: 'dbctl backups lists the usable backups',
  });
}

/** Checks a parsed manifest's shape; `OPERATION_FAILED` saying what is wrong. */
export function validateManifest(value: unknown, expectedId?: string): BackupManifest {
  const problems: string[] = [];
  const m = value as Partial<BackupManifest> | null;
  if (!m || typeof m !== 'object') throw unusable(expectedId, 'the manifest is not a JSON object');
  if (m.format !== MANIFEST_FORMAT) problems.push(`format ${JSON.stringify(m.format)} (this dbctl reads format ${MANIFEST_FORMAT})`);
  if (typeof m.id !== 'string' || !isBackupId(m.id)) problems.push('id');
  else if (expectedId !== undefined && m.id !== expectedId) problems.push(`id ${m.id} (expected ${expectedId})`);
  for (const field of ['env', 'database', 'serverVersion', 'reason', 'createdAt', 'dbctlVersion'] as const) {
    if (typeof m[field] !== 'string') problems.push(field);
  }
  if (m.tag !== null && typeof m.tag !== 'string') problems.push('tag');
  if (m.target !== 'dir' && m.target !== 'database') problems.push('target');
  if (!Array.isArray(m.objects)) problems.push('objects');
  else {
    m.objects.forEach((o, i) => {
      const bad = objectProblems(o, m.target === 'dir');
      if (bad.length) problems.push(`objects[${i}].${bad.join(`, objects[${i}].`)}`);
    });
  }
  if (!Array.isArray(m.skipped)) problems.push('skipped');
  if (!m.totals || typeof m.totals !== 'object') problems.push('totals');
  if (problems.length)
    throw unusable(expectedId ?? (typeof m.id === 'string' ? m.id : undefined), `the manifest is invalid: ${problems.join(', ')}`);
  return m as BackupManifest;
}

function objectProblems(o: Partial<BackupObject>, dir: boolean): string[] {
  const problems: string[] = [];
  if (!o || typeof o !== 'object') return ['(not an object)'];
  if (typeof o.schema !== 'string' || !o.schema) problems.push('schema');
  if (typeof o.table !== 'string' || !o.table) problems.push('table');
  if (typeof o.whole !== 'boolean') problems.push('whole');
  if (
    !Array.isArray(o.columns) ||
    o.columns.length === 0 ||
    o.columns.some((c) => typeof c?.name !== 'string' || typeof c?.type !== 'string')
  )
    problems.push('columns');
  if (!Array.isArray(o.primaryKey)) problems.push('primaryKey');
  if (!Array.isArray(o.affectedColumns)) problems.push('affectedColumns');
  if (typeof o.rows !== 'number' || o.rows < 0) problems.push('rows');
  if (typeof o.file !== 'string' || !o.file || (dir && (o.file.includes('/') || o.file.includes('\\') || o.file.startsWith('.'))))
    problems.push('file');
  if (dir && (typeof o.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(o.sha256))) problems.push('sha256');
  if (o.definition !== null && o.definition !== undefined && (typeof o.definition !== 'object' || !Array.isArray(o.definition.columns)))
    problems.push('definition');
  return problems;
}

/** One line of `dbctl backups`. */
export interface BackupSummary {
  id: string;
  env: string;
  database: string;
  tag: string | null;
  reason: string;
  createdAt: string;
  target: 'dir' | 'database';
  objects: number;
  tables: string[];
  rows: number;
  bytes: number;
}

/** The listing facts of a manifest. */
export function summarize(manifest: BackupManifest): BackupSummary {
  return {
    id: manifest.id,
    env: manifest.env,
    database: manifest.database,
    tag: manifest.tag,
    reason: manifest.reason,
    createdAt: manifest.createdAt,
    target: manifest.target,
    objects: manifest.objects.length,
    tables: manifest.objects.map((o) => (o.whole ? `${o.schema}.${o.table}` : `${o.schema}.${o.table}(${o.affectedColumns.join(',')})`)),
    rows: manifest.objects.reduce((sum, o) => sum + o.rows, 0),
    bytes: manifest.objects.reduce((sum, o) => sum + o.bytes, 0),
  };
}

/** `1.2 MB`, `830 kB`, `12 B`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

/** `3m`, `5h`, `2d` between two times. */
export function formatAge(createdAt: string, now: Date): string {
  const ms = Math.max(0, now.getTime() - Date.parse(createdAt));
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}
