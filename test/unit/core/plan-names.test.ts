/**
 * drizzle-orm 1.0's rows carry the migration's folder name: status matches them by name, as
 * drizzle-orm 1.0's migrator does (`getMigrationsToRun`), keeping the hash check; rows without a
 * name (drizzle-orm 0.x) still match by timestamp and hash.
 */
import { describe, expect, it } from 'vitest';
import { planStatus, type DrizzleRow } from '../../../src/core/plan.js';

const T = Date.UTC(2026, 11, 6, 0, 0, 0);
const m = (tag: string, hash: string, when = T) => ({ tag, when, hash });
const row = (id: number, hash: string, name: string | null, createdAt = T): DrizzleRow => ({ id, hash, createdAt, name });

describe('planStatus with drizzle-orm 1.0 names', () => {
  it('matches a named row by name, not by a shared timestamp', () => {
    // two folders generated in the same second; only the second was applied (by drizzle-kit migrate)
    const local = [m('20261206000000_a', 'h-a'), m('20261206000000_b', 'h-b')];
    const status = planStatus(local, [row(1, 'h-b', '20261206000000_b')], new Map());
    expect(status.migrations.map((s) => s.state)).toEqual(['pending', 'applied']);
    expect(status.unknown).toEqual([]);
  });

  it('keeps the hash check: a named row with another hash is modified', () => {
    const status = planStatus([m('20261206000000_a', 'h-a')], [row(1, 'edited', '20261206000000_a')], new Map());
    expect(status.migrations[0]!.state).toBe('modified');
  });

  it('never gives a named row to another folder, even with the same hash and timestamp', () => {
    const status = planStatus([m('20261206000000_a', 'same')], [row(1, 'same', '20261206000000_renamed')], new Map());
    expect(status.migrations[0]!.state).toBe('pending');
    expect(status.unknown.map((r) => r.id)).toEqual([1]);
  });

  it('still matches rows without a name by timestamp and hash', () => {
    const status = planStatus(
      [m('20261206000000_a', 'h-a'), m('20261206000001_b', 'h-b', T + 1000)],
      [row(1, 'h-a', null), row(2, 'h-b', '20261206000001_b', T + 1000)],
      new Map(),
    );
    expect(status.migrations.map((s) => s.state)).toEqual(['applied', 'applied']);
  });
});
