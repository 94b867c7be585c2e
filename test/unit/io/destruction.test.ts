/**
 * The pre-commit check's pure parts: what counts as destroyed between two catalog readings, which
 * type changes keep every value, what a backup or the plan allows, and which locked relations
 * need a comparison at all.
 */
import { describe, expect, it } from 'vitest';
import {
  compareSnapshots,
  emptyAllowance,
  losslessChange,
  unplanned,
  type CatalogSnapshot,
  type SnapshotColumn,
  type SnapshotTable,
} from '../../../src/io/destruction.js';

/** `pg_type.typname` of the type oids these tests use (as the snapshot query reads it). */
const TYPNAME: Record<number, string> = {
  20: 'int8',
  21: 'int2',
  23: 'int4',
  25: 'text',
  1043: 'varchar',
  1700: 'numeric',
  1114: 'timestamp',
  1184: 'timestamptz',
};
const col = (num: number, name: string, typeOid = 25, typmod = -1, type = 'text'): SnapshotColumn => ({
  num,
  name,
  typeOid,
  typmod,
  type,
  base: TYPNAME[typeOid] ?? `user_type_${typeOid}`,
  array: false,
});
const table = (over: Partial<SnapshotTable> = {}): SnapshotTable =>
  ({
    ancestors: [],
    oid: 100,
    schema: 'public',
    name: 'posts',
    filenode: 100,
    pages: true,
    columns: [col(1, 'id', 23, -1, 'integer'), col(2, 'bio')],
    updated: 0,
    deleted: 0,
    ...over,
  }) as SnapshotTable;
const snap = (...tables: SnapshotTable[]): CatalogSnapshot => new Map(tables.map((t) => [t.oid, t]));
const none = () => false;

describe('compareSnapshots', () => {
  it('a dropped table, a dropped column, a retyped column, an emptied table, deleted and updated rows', () => {
    expect(compareSnapshots(snap(table({ pages: null })), snap(), none)).toEqual([
      { kind: 'table', schema: 'public', table: 'posts', what: 'dropped' },
    ]);
    expect(compareSnapshots(snap(table()), snap(table({ columns: [col(1, 'id', 23, -1, 'integer')] })), none)).toEqual([
      { kind: 'column', schema: 'public', table: 'posts', column: 'bio', what: 'dropped' },
    ]);
    // integer → text keeps every value (not destruction, as the analysis judges it); integer → smallint may not
    const retyped = compareSnapshots(
      snap(table()),
      snap(table({ filenode: 200, columns: [col(1, 'id', 21, -1, 'smallint'), col(2, 'bio')] })),
      none,
    );
    expect(retyped).toEqual([{ kind: 'column', schema: 'public', table: 'posts', column: 'id', what: 'retyped integer → smallint' }]);
    expect(
      compareSnapshots(snap(table()), snap(table({ filenode: 200, columns: [col(1, 'id', 25, -1, 'text'), col(2, 'bio')] })), none),
    ).toEqual([]);
    expect(compareSnapshots(snap(table()), snap(table({ filenode: 300, pages: false })), none)[0]!.what).toMatch(/^emptied/);
    expect(compareSnapshots(snap(table()), snap(table({ deleted: 3, updated: 1 })), none).map((d) => d.what)).toEqual([
      '3 rows deleted',
      '1 row updated',
    ]);
  });

  it('a table on its own storage without pages held no rows; a table judged empty under lock neither', () => {
    expect(compareSnapshots(snap(table()), snap(table({ pages: false, columns: [] })), none)).toEqual([]);
    expect(compareSnapshots(snap(table()), snap(), (t) => t.name === 'posts')).toEqual([]);
  });

  it('lossless widenings are not destruction', () => {
    expect(losslessChange(col(1, 'a', 23), col(1, 'a', 20))).toBe(true); // integer → bigint
    expect(losslessChange(col(1, 'a', 1043, 54), col(1, 'a', 1043, 104))).toBe(true); // varchar(50) → varchar(100)
    expect(losslessChange(col(1, 'a', 1043, 54), col(1, 'a', 25))).toBe(true); // varchar → text
    expect(losslessChange(col(1, 'a', 1043, 104), col(1, 'a', 1043, 54))).toBe(false);
    expect(losslessChange(col(1, 'a', 20), col(1, 'a', 23))).toBe(false);
    expect(losslessChange(col(1, 'a', 25), col(1, 'a', 23))).toBe(false);
  });

  it('judges a type change as the analysis does (one table for both): anything to unbounded text, wider numeric, timestamp → timestamptz', () => {
    expect(losslessChange(col(1, 'a', 23), col(1, 'a', 25))).toBe(true); // integer → text
    expect(losslessChange(col(1, 'a', 23), col(1, 'a', 1043))).toBe(true); // integer → varchar
    expect(losslessChange(col(1, 'a', 23), col(1, 'a', 1043, 24))).toBe(false); // integer → varchar(20)
    const numeric = (p: number, s: number) => ((p << 16) | s) + 4;
    expect(losslessChange(col(1, 'a', 1700, numeric(10, 2)), col(1, 'a', 1700, numeric(12, 2)))).toBe(true);
    expect(losslessChange(col(1, 'a', 1700, numeric(10, 2)), col(1, 'a', 1700, numeric(10, 1)))).toBe(false);
    expect(losslessChange(col(1, 'a', 1114), col(1, 'a', 1184))).toBe(true); // timestamp → timestamptz
    expect(losslessChange(col(1, 'a', 1184), col(1, 'a', 1114))).toBe(false);
    // two enums spelled alike in two schemas are two types
    expect(losslessChange({ ...col(1, 'a', 90001), base: 'mood' }, { ...col(1, 'a', 90002), base: 'mood' })).toBe(false);
    expect(losslessChange({ ...col(1, 'a', 90001), base: 'mood' }, col(1, 'a', 25))).toBe(true); // enum → text
    // an array to its text form is not judged lossless (array → scalar)
    expect(losslessChange({ ...col(1, 'a', 1007), base: 'int4', array: true }, col(1, 'a', 25))).toBe(false);
    // read without type names: only the same type counts as unchanged
    const { base: _b, array: _a, ...bare } = col(1, 'a', 23);
    expect(losslessChange(bare, col(1, 'a', 25))).toBe(false);
    expect(losslessChange(bare, { ...bare })).toBe(true);
  });
});

describe('unplanned', () => {
  const found = [
    { kind: 'table' as const, schema: 'public', table: 'posts', what: 'dropped' },
    { kind: 'column' as const, schema: 'public', table: 'users', column: 'bio', what: 'dropped' },
    { kind: 'rows' as const, schema: 'public', table: 'orders', what: '5 rows deleted' },
    { kind: 'rows' as const, schema: 'public', table: 'items', what: '2 rows updated' },
  ];
  it('nothing allowed: everything is unplanned', () => {
    expect(unplanned(found, emptyAllowance())).toHaveLength(4);
  });
  it('a partition is held by a backup of its partitioned table', () => {
    const allow = emptyAllowance();
    allow.wholeTables.add('public.events');
    allow.columns.add('public.logs.note');
    expect(
      unplanned([{ kind: 'table', schema: 'public', table: 'events_2024', what: 'dropped', ancestors: ['public.events'] }], allow),
    ).toEqual([]);
    expect(
      unplanned(
        [{ kind: 'column', schema: 'public', table: 'logs_1', column: 'note', what: 'dropped', ancestors: ['public.logs'] }],
        allow,
      ),
    ).toEqual([]);
    expect(unplanned([{ kind: 'table', schema: 'public', table: 'events_2024', what: 'dropped' }], allow)).toHaveLength(1);
  });

  it('a whole-table backup, a column backup, visible DML, --no-backup plans', () => {
    const allow = emptyAllowance();
    allow.wholeTables.add('public.posts');
    allow.columns.add('public.users.bio');
    allow.modifies.add('public.orders');
    allow.partTables.add('public.items');
    expect(unplanned(found, allow)).toEqual([]);
    const plannedOnly = emptyAllowance();
    plannedOnly.plannedWithoutBackup.add('public.posts');
    expect(unplanned(found, plannedOnly).map((d) => d.table)).toEqual(['users', 'orders', 'items']);
  });
});
