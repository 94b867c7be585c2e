/**
 * `sameSnapshot` (src/drizzle/live/diff.ts) lets `diffSnapshots` skip drizzle-kit's diff when both
 * sides are the same snapshot: it must see them alike exactly as JSON does (chain ids, key order
 * and keys holding `undefined` aside), and tell any other difference.
 */
import { describe, expect, it } from 'vitest';
import { sameSnapshot } from '../../../src/drizzle/live/diff.js';
import type { PgSnapshot } from '../../../src/drizzle/live/introspect.js';

const snapshot = (tables: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ id: 'a', prevId: 'b', version: '7', dialect: 'postgresql', tables, enums: {}, schemas: {}, ...extra }) as unknown as PgSnapshot;

const users = {
  name: 'users',
  schema: '',
  columns: { id: { name: 'id', type: 'integer', primaryKey: true, notNull: true }, email: { name: 'email', type: 'text', notNull: false } },
  indexes: { users_email_idx: { name: 'users_email_idx', columns: [{ expression: 'email', asc: true }], isUnique: false } },
};

describe('sameSnapshot', () => {
  it('sees two snapshots alike whatever their chain ids, key order and keys holding undefined', () => {
    const reordered = {
      indexes: users.indexes,
      columns: { email: { notNull: false, type: 'text', name: 'email', typeSchema: undefined }, id: users.columns.id },
      schema: '',
      name: 'users',
    };
    expect(sameSnapshot(snapshot({ 'public.users': users }), { ...snapshot({ 'public.users': reordered }), id: 'c', prevId: '' })).toBe(
      true,
    );
  });

  it('tells a changed value, a key with a value on one side only, another array order, another table', () => {
    const base = snapshot({ 'public.users': users });
    const changed = structuredClone(users);
    changed.columns.email.notNull = true;
    expect(sameSnapshot(base, snapshot({ 'public.users': changed }))).toBe(false);
    const extraKey = structuredClone(users) as typeof users & { columns: { id: { default?: string } } };
    extraKey.columns.id.default = '0';
    expect(sameSnapshot(base, snapshot({ 'public.users': extraKey }))).toBe(false);
    const twoColumns = structuredClone(users);
    twoColumns.indexes.users_email_idx.columns.push({ expression: 'id', asc: true });
    const swapped = structuredClone(twoColumns);
    swapped.indexes.users_email_idx.columns.reverse();
    expect(sameSnapshot(snapshot({ 'public.users': twoColumns }), snapshot({ 'public.users': swapped }))).toBe(false);
    expect(sameSnapshot(base, snapshot({ 'public.users': users, 'public.other': users }))).toBe(false);
    expect(sameSnapshot(base, snapshot({ 'public.users': users }, { enums: { 'public.mood': { values: ['a'] } } }))).toBe(false);
    expect(sameSnapshot(base, snapshot({ 'public.users': { ...users, columns: [] } }))).toBe(false);
  });
});
