import { describe, expect, it } from 'vitest';
import { buildManifest, formatAge, formatBytes, summarize, validateManifest } from '../../../src/backup/manifest.js';
import type { BackupObject } from '../../../src/backup/types.js';

const object = (extra: Partial<BackupObject> = {}): BackupObject => ({
  schema: 'public',
  table: 'users',
  whole: false,
  reasons: ['DROP COLUMN email'],
  columns: [{ name: 'id', type: 'integer', notNull: true, default: null, identity: null, generated: null, collation: null }],
  primaryKey: ['id'],
  affectedColumns: ['email'],
  definition: null,
  rows: 3,
  file: '001-public.users.copy.gz',
  sha256: 'a'.repeat(64),
  bytes: 100,
  rawBytes: 300,
  ...extra,
});
const header = {
  id: '20261121T101500Z-development-0001_x-ab12',
  env: 'development',
  database: 'app',
  serverVersion: '16.4',
  tag: '0001_x',
  reason: 'before migration 0001_x',
  createdAt: new Date(Date.UTC(2026, 10, 21, 10, 15)),
  dbctlVersion: '0.1.0',
  target: 'dir' as const,
};

describe('manifests', () => {
  it('builds a manifest with totals, and reads it back', () => {
    const manifest = buildManifest(header, [object(), object({ table: 'b', rows: 7, bytes: 50 })], []);
    expect(manifest.totals).toEqual({ objects: 2, rows: 10, bytes: 150 });
    expect(manifest.compression).toBe('gzip');
    expect(validateManifest(JSON.parse(JSON.stringify(manifest)), header.id)).toEqual(manifest);
    expect(summarize(manifest)).toMatchObject({ objects: 2, rows: 10, bytes: 150, tables: ['public.users(email)', 'public.b(email)'] });
  });

  it('rejects manifests that do not hold together, or whose files escape the backup directory', () => {
    const good = buildManifest(header, [object()], []);
    expect(() => validateManifest(null)).toThrow('not a JSON object');
    expect(() => validateManifest({ ...good, format: 9 })).toThrow('format 9');
    expect(() => validateManifest(good, '20261121T101500Z-other-x-0000')).toThrow('expected 20261121T101500Z-other-x-0000');
    expect(() => validateManifest({ ...good, objects: [object({ file: '../../etc/passwd' })] })).toThrow('objects[0].file');
    expect(() => validateManifest({ ...good, objects: [object({ sha256: null })] })).toThrow('objects[0].sha256');
    // the database target has no files or checksums
    expect(() =>
      validateManifest({ ...good, target: 'database', objects: [object({ sha256: null, file: 'x__public__users' })] }),
    ).not.toThrow();
  });

  it('formats sizes and ages', () => {
    expect([formatBytes(12), formatBytes(1234), formatBytes(12_345_678), formatBytes(3e9)]).toEqual([
      '12 B',
      '1.2 kB',
      '12.3 MB',
      '3.0 GB',
    ]);
    const now = new Date(Date.UTC(2026, 0, 10));
    expect([
      formatAge(new Date(now.getTime() - 5_000).toISOString(), now),
      formatAge(new Date(now.getTime() - 3 * 3600_000).toISOString(), now),
      formatAge(new Date(now.getTime() - 5 * 86400_000).toISOString(), now),
    ]).toEqual(['5s', '3h', '5d']);
  });
});
