import { describe, expect, it } from 'vitest';
import { DbctlError } from '../../../src/errors.js';
import { orderByReferences, planRestoreObject, selectObjects, type CurrentTable } from '../../../src/backup/restore-plan.js';
import type { BackupManifest, BackupObject, ColumnInfo } from '../../../src/backup/types.js';

const col = (name: string, type = 'text', extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  type,
  notNull: false,
  default: null,
  identity: null,
  generated: null,
  collation: null,
  ...extra,
});
const object = (extra: Partial<BackupObject> = {}): BackupObject => ({
  schema: 'public',
  table: 't',
  whole: false,
  reasons: [],
  columns: [col('id', 'integer'), col('email')],
  primaryKey: ['id'],
  affectedColumns: ['email'],
  definition: null,
  rows: 10,
  file: 'f',
  sha256: null,
  bytes: 1,
  rawBytes: 1,
  ...extra,
});
const whole = (extra: Partial<BackupObject> = {}) =>
  object({
    whole: true,
    affectedColumns: [],
    definition: {
      tableRef: 'public.t',
      columns: [col('id', 'integer'), col('email')],
      constraints: [],
      indexes: [],
      referencedBy: [],
      sequences: [],
      enums: [],
      ddl: '',
    },
    ...extra,
  });
const current = (columns: [string, string][], extra: Partial<CurrentTable> = {}): CurrentTable => ({
  oid: '16384',
  ref: 'public.t',
  partitioned: false,
  partitionOf: null,
  columns: columns.map(([name, type], i) => ({ name, type, notNull: false, generated: false, attnum: i + 1 })),
  primaryKey: ['id'],
  hasUniqueKey: true,
  empty: false,
  ...extra,
});

describe('planRestoreObject', () => {
  it('recreates a dropped table, and loads an existing one directly when it is empty and matches', () => {
    expect(planRestoreObject(whole(), null, null)).toMatchObject({ kind: 'create', mode: 'original', schema: 'public' });
    expect(
      planRestoreObject(
        whole(),
        current(
          [
            ['id', 'integer'],
            ['email', 'text'],
          ],
          { empty: true },
        ),
        null,
      ),
    ).toMatchObject({ kind: 'insert', direct: true, skipConflicts: false });
    expect(
      planRestoreObject(
        whole(),
        current([
          ['id', 'integer'],
          ['email', 'text'],
        ]),
        null,
      ),
    ).toMatchObject({ kind: 'insert', direct: false, skipConflicts: true });
    const changed = planRestoreObject(whole(), current([['id', 'bigint']], { empty: true }), null);
    expect(changed).toMatchObject({ kind: 'insert', direct: false, columns: [{ name: 'id', castTo: 'bigint' }] });
    expect(changed.kind === 'insert' && changed.notes).toEqual([
      'column id is now bigint (was integer): values restored with a cast',
      'column email no longer exists in public.t: its values are not restored',
    ]);
  });

  it('refuses to duplicate rows of a non-empty table without a key', () => {
    expect(
      planRestoreObject(
        whole(),
        current(
          [
            ['id', 'integer'],
            ['email', 'text'],
          ],
          { primaryKey: [], hasUniqueKey: false },
        ),
        null,
      ),
    ).toMatchObject({ kind: 'refuse', message: expect.stringContaining('would duplicate') });
  });

  it('re-adds dropped columns and fills existing ones by key, casting when the type changed', () => {
    const readd = planRestoreObject(
      object({ columns: [col('id', 'integer'), col('email', 'text', { notNull: true, default: "'x'::text" })] }),
      current([['id', 'integer']]),
      null,
    );
    expect(readd).toMatchObject({
      kind: 'fill-columns',
      add: [{ column: { name: 'email' }, withDefault: true, setNotNull: true }],
      update: [{ name: 'email', castTo: null }],
      key: [{ name: 'id', castTo: null }],
    });
    const retyped = planRestoreObject(
      object(),
      current([
        ['id', 'integer'],
        ['email', 'integer'],
      ]),
      null,
    );
    expect(retyped).toMatchObject({ kind: 'fill-columns', add: [], update: [{ name: 'email', castTo: 'integer' }] });
    expect(retyped.kind === 'fill-columns' && retyped.notes[0]).toContain('now integer (was text)');
    const serial = planRestoreObject(
      object({ columns: [col('id', 'integer'), col('email', 'integer', { default: "nextval('s'::regclass)" })] }),
      current([['id', 'integer']]),
      null,
    );
    expect(serial).toMatchObject({ kind: 'fill-columns', add: [{ withDefault: false }] });
  });

  it('refuses column restores it cannot match', () => {
    expect(planRestoreObject(object(), null, null)).toMatchObject({ kind: 'refuse', message: expect.stringContaining('no longer exists') });
    expect(planRestoreObject(object(), current([['email', 'text']]), null)).toMatchObject({
      kind: 'refuse',
      message: expect.stringContaining('key column id'),
    });
    expect(planRestoreObject(whole({ affectedColumns: ['email'], primaryKey: [] }), current([['id', 'integer']]), null)).toMatchObject({
      kind: 'refuse',
      message: expect.stringContaining('no primary key'),
    });
  });

  it('puts everything in a new table of another schema, never over an existing one', () => {
    expect(planRestoreObject(object(), null, 'inspect')).toMatchObject({ kind: 'create', mode: 'inspect', schema: 'inspect', table: 't' });
    expect(planRestoreObject(whole(), current([]), 'inspect')).toMatchObject({ kind: 'refuse', message: 'inspect.t already exists' });
  });
});

describe('selectObjects', () => {
  const manifest = { id: 'x', objects: [object({ table: 'a' }), object({ table: 'b', schema: 's' })] } as BackupManifest;
  it('selects the named tables, or all', () => {
    expect(selectObjects(manifest, undefined)).toHaveLength(2);
    expect(selectObjects(manifest, [{ schema: 's', table: 'b' }]).map((o) => o.table)).toEqual(['b']);
    expect(() => selectObjects(manifest, [{ schema: 'public', table: 'c' }])).toThrow('backup x has no public.c (it holds: public.a, s.b)');
  });
  it('refuses an unknown table with a USAGE DbctlError naming the next command (callers need not re-wrap it)', () => {
    const thrown = (() => {
      try {
        selectObjects(manifest, [{ schema: 'public', table: 'c' }]);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(DbctlError);
    expect((thrown as DbctlError).code).toBe('USAGE');
    expect((thrown as DbctlError).hint).toContain('dbctl backups --json');
  });
});

describe('orderByReferences', () => {
  const t = (table: string) => ({ schema: 'public', table });
  it('puts referenced tables first, keeps the rest in order, survives cycles', () => {
    const edges = [
      { from: 'public.child', to: 'public.parent' },
      { from: 'public.grandchild', to: 'public.child' },
      { from: 'public.a', to: 'public.b' },
      { from: 'public.b', to: 'public.a' },
    ];
    expect(orderByReferences([t('child'), t('grandchild'), t('other'), t('parent'), t('a'), t('b')], edges).map((x) => x.table)).toEqual([
      'parent',
      'child',
      'grandchild',
      'other',
      'b',
      'a',
    ]);
  });
});

describe('planRestoreObject: values written since the backup', () => {
  it('marks a dropped column that exists again (another attribute) for the conflict check, not the same column retyped', () => {
    const backed = object({ tableOid: '16384', columns: [col('id', 'integer', { attnum: 1 }), col('email', 'text', { attnum: 2 })] });
    const again = planRestoreObject(
      backed,
      current([
        ['id', 'integer'],
        ['name', 'text'],
        ['email', 'text'],
      ]),
      null,
    );
    expect(again).toMatchObject({ kind: 'fill-columns', reAdded: ['email'], overwrite: false });
    const same = planRestoreObject(
      backed,
      current([
        ['id', 'integer'],
        ['email', 'integer'],
      ]),
      null,
    );
    expect(same).toMatchObject({ kind: 'fill-columns', reAdded: [] });
    const otherTable = planRestoreObject(
      backed,
      current(
        [
          ['id', 'integer'],
          ['email', 'text'],
        ],
        { oid: '99999' },
      ),
      null,
    );
    expect(otherTable).toMatchObject({ reAdded: ['email'] });
    // a manifest without oids: a column backed up for DROP COLUMN that exists is one added again
    expect(
      planRestoreObject(
        object({ reasons: ['DROP COLUMN email'] }),
        current([
          ['id', 'integer'],
          ['email', 'text'],
        ]),
        null,
      ),
    ).toMatchObject({ reAdded: ['email'] });
  });

  it('marks a table created again with rows, matches rows by primary key, and refuses --overwrite without one', () => {
    const backed = whole({ tableOid: '16384' });
    expect(
      planRestoreObject(
        backed,
        current(
          [
            ['id', 'integer'],
            ['email', 'text'],
          ],
          { oid: '20000' },
        ),
        null,
      ),
    ).toMatchObject({ kind: 'insert', recreated: true, key: ['id'] });
    expect(
      planRestoreObject(
        backed,
        current([
          ['id', 'integer'],
          ['email', 'text'],
        ]),
        null,
        true,
      ),
    ).toMatchObject({ kind: 'insert', recreated: false, overwrite: true });
    expect(
      planRestoreObject(
        backed,
        current(
          [
            ['id', 'integer'],
            ['email', 'text'],
          ],
          { primaryKey: [] },
        ),
        null,
        true,
      ),
    ).toMatchObject({ kind: 'refuse', message: expect.stringContaining('--overwrite') });
  });
});
