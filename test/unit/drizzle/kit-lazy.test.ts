/**
 * drizzle-kit's api bundle loads without the drizzle-orm dialects generate for PostgreSQL never
 * uses (they load on first use), although the bundle makes a SingleStore dialect while it loads.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKit } from '../../../src/drizzle/kit/index.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

describe('loadKit', () => {
  it('leaves the mysql, sqlite and singlestore modules of drizzle-orm unloaded', async () => {
    const kit = await loadKit(repoRoot);
    expect(typeof kit.applyPgSnapshotsDiff).toBe('function');
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    for (const dialect of ['mysql-core', 'sqlite-core', 'singlestore-core']) {
      expect(loaded.filter((file) => file.includes(`${path.sep}drizzle-orm${path.sep}${dialect}${path.sep}`))).toEqual([]);
    }
    expect(loaded.some((file) => file.includes(`${path.sep}drizzle-orm${path.sep}pg-core${path.sep}`))).toBe(true);
  });
});
