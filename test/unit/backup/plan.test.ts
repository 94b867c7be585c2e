import { describe, expect, it } from 'vitest';
import type { DestroyedObject } from '../../../src/core/classify.js';
import {
  backupId,
  catalogQuestion,
  chooseExpired,
  databaseTableName,
  dataFileName,
  isBackupId,
  missingTables,
  parseTableList,
  planBackup,
  type CatalogTable,
} from '../../../src/backup/plan.js';
import type { ColumnInfo } from '../../../src/backup/types.js';

const col = (name: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  type: 'text',
  notNull: false,
  default: null,
  identity: null,
  generated: null,
  collation: null,
  ...extra,
});
const table = (name: string, columns: string[], primaryKey: string[] = ['id'], extra: Partial<CatalogTable> = {}): CatalogTable => ({
  schema: 'public',
  table: name,
  kind: 'table',
  partitionOf: null,
  columns: columns.map((c) => col(c, c === 'id' ? { type: 'integer', notNull: true } : {})),
  primaryKey,
  estimatedRows: 10,
  ...extra,
});
const drop = (t: string, schema = 'public'): DestroyedObject => ({ kind: 'table', schema, table: t, reason: 'DROP TABLE' });
const dropColumn = (t: string, c: string, reason = 'DROP COLUMN'): DestroyedObject => ({
  kind: 'column',
  schema: 'public',
  table: t,
  column: c,
  reason,
});

describe('planBackup', () => {
  it('asks the catalog about named tables and dropped schemas only', () => {
    expect(
      catalogQuestion([
        drop('a'),
        dropColumn('a', 'x'),
        { kind: 'schema', schema: 'shop', name: 'shop', reason: 'DROP SCHEMA' },
        { kind: 'index', schema: 'public', name: 'i', reason: 'DROP INDEX' },
      ]),
    ).toEqual({ tables: [{ schema: 'public', table: 'a' }], schemas: ['shop'] });
  });

  it('copies a dropped or truncated table whole, and only the key plus affected columns for column changes', () => {
    const plan = planBackup(
      [
        drop('users'),
        { kind: 'rows', schema: 'public', table: 'logs', reason: 'TRUNCATE' },
        dropColumn('accounts', 'email'),
        dropColumn('accounts', 'name', 'ALTER COLUMN TYPE'),
      ],
      { tables: [table('users', ['id', 'email']), table('logs', ['id', 'msg']), table('accounts', ['id', 'name', 'email', 'wide'])] },
    );
    expect(plan.items.map((i) => [i.table, i.whole, i.columns.map((c) => c.name), i.affectedColumns])).toEqual([
      ['accounts', false, ['id', 'name', 'email'], ['name', 'email']],
      ['logs', true, ['id', 'msg'], []],
      ['users', true, ['id', 'email'], []],
    ]);
    expect(plan.items[0]!.reasons).toEqual(['DROP COLUMN email', 'ALTER COLUMN TYPE name']);
    expect(plan.skipped).toEqual([]);
  });

  it('copies the whole table when it has no primary key, or a key column is affected, or the table is also dropped', () => {
    const plan = planBackup([dropColumn('nokey', 'v'), dropColumn('k', 'id', 'ALTER COLUMN TYPE'), dropColumn('both', 'v'), drop('both')], {
      tables: [table('nokey', ['a', 'v'], []), table('k', ['id', 'v']), table('both', ['id', 'v'])],
    });
    const byName = Object.fromEntries(plan.items.map((i) => [i.table, i]));
    expect(byName.nokey).toMatchObject({ whole: true, affectedColumns: ['v'] });
    expect(byName.nokey!.reasons).toContain('whole table: no primary key');
    expect(byName.k).toMatchObject({ whole: true, affectedColumns: ['id'] });
    expect(byName.both).toMatchObject({ whole: true, affectedColumns: [] });
  });

  it('skips what does not exist or holds no data, and never copies generated columns', () => {
    const plan = planBackup(
      [
        drop('gone'),
        dropColumn('t', 'missing'),
        dropColumn('t', 'g'),
        { kind: 'index', schema: 'public', name: 'i', reason: 'DROP INDEX' },
        { kind: 'schema', schema: 'empty', name: 'empty', reason: 'DROP SCHEMA' },
      ],
      { tables: [{ ...table('t', ['id', 'v']), columns: [col('id'), col('v'), col('g', { generated: '(id * 2)' })] }] },
    );
    expect(plan.items).toEqual([]);
    expect(plan.skipped.map((s) => s.why)).toEqual([
      'table public.gone does not exist',
      'column public.t.missing does not exist',
      'column public.t.g is generated: it is recomputed from the other columns',
      'an index holds no data (it can be rebuilt)',
      'schema empty has no tables (or does not exist)',
    ]);
    const whole = planBackup([drop('t')], {
      tables: [{ ...table('t', ['id', 'v']), columns: [col('id'), col('v'), col('g', { generated: '(id * 2)' })] }],
    });
    expect(whole.items[0]!.columns.map((c) => c.name)).toEqual(['id', 'v']);
  });

  it('copies every table of a dropped schema, partitions through their parent', () => {
    const shop = (name: string, extra: Partial<CatalogTable> = {}) => ({ ...table(name, ['id']), schema: 'shop', ...extra });
    const plan = planBackup([{ kind: 'schema', schema: 'shop', name: 'shop', reason: 'DROP SCHEMA CASCADE' }], {
      tables: [
        shop('a'),
        shop('events', { kind: 'partitioned' }),
        shop('events_2026', { partitionOf: { schema: 'shop', table: 'events' } }),
        table('other', ['id']),
      ],
    });
    expect(plan.items.map((i) => `${i.schema}.${i.table}`)).toEqual(['shop.a', 'shop.events']);
    expect(plan.items.every((i) => i.whole && i.reasons[0] === 'DROP SCHEMA CASCADE')).toBe(true);
  });
});

describe('names and ids', () => {
  it('parses --tables lists', () => {
    expect(parseTableList('users, billing.invoices,"Mixed Case","s.x"."t,y"')).toEqual([
      { schema: 'public', table: 'users' },
      { schema: 'billing', table: 'invoices' },
      { schema: 'public', table: 'Mixed Case' },
      { schema: 's.x', table: 't,y' },
    ]);
    expect(parseTableList('a,a')).toHaveLength(1);
    expect(() => parseTableList(' , ')).toThrow('no table names');
    expect(() => parseTableList('a.b.c')).toThrow('not a table name');
    expect(missingTables([{ schema: 'public', table: 'x' }], { tables: [table('y', ['id'])] })).toEqual([{ schema: 'public', table: 'x' }]);
  });

  it('makes sortable, path-safe ids', () => {
    const id = backupId(new Date(Date.UTC(2026, 10, 21, 10, 15, 0, 123)), 'prod/eu', '0003_drop email', 'ab12');
    expect(id).toBe('20261121T101500Z-prod_eu-0003_drop_email-ab12');
    expect(isBackupId(id)).toBe(true);
    expect(backupId(new Date(0), 'dev', null, '0000')).toBe('19700101T000000Z-dev-manual-0000');
    for (const bad of ['../x', '20261121T101500Z/../../etc', '', 'x', '20261121T101500Z-a/b']) expect(isBackupId(bad)).toBe(false);
  });

  it('names data files and database tables within limits', () => {
    expect(dataFileName(0, 'public', 'users')).toBe('001-public.users.copy.gz');
    expect(dataFileName(11, 'My Schema', '../t')).toBe('012-My_Schema.t.copy.gz');
    const id = '20261121T101500Z-development-0001_x-ab12';
    expect(databaseTableName(id, 0, 'public', 'users')).toBe(`${id}__public__users`);
    const long = databaseTableName(
      '20261121T101500Z-production-0042_a_very_long_migration_name-ab12',
      3,
      'public',
      'a_table_with_a_long_name_too',
    );
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long.startsWith('20261121T101500Z-ab12__4__a_table')).toBe(true);
  });
});

describe('retention', () => {
  const b = (id: string, env: string, minute: number) => ({ id, env, createdAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString() });
  it('keeps the newest N per environment and never the backup just taken', () => {
    const all = [b('a', 'dev', 1), b('b', 'dev', 2), b('c', 'dev', 3), b('d', 'prod', 0), b('e', 'dev', 4)];
    expect(chooseExpired(all, 'dev', 2).map((x) => x.id)).toEqual(['b', 'a']);
    expect(chooseExpired(all, 'prod', 1)).toEqual([]);
    expect(chooseExpired(all, 'dev', 1, 'a').map((x) => x.id)).toEqual(['c', 'b']);
    expect(chooseExpired(all, 'dev', 0)).toEqual([]);
  });
});

describe('planBackup: what it cannot hold fails the plan', () => {
  it('fails a dropped type whose columns were not read, and notes it once they were; notes indexes, sequences and missing tables', () => {
    const type: DestroyedObject = { kind: 'type', schema: 'public', name: 'mood', reason: 'DROP TYPE CASCADE' };
    const unread = planBackup([type], { tables: [] });
    expect(unread.failed).toEqual([
      expect.objectContaining({ name: 'mood', why: expect.stringContaining('which columns use type public.mood') }),
    ]);
    const read = planBackup([type], { tables: [], dependentsRead: true });
    expect(read.failed).toEqual([]);
    expect(read.skipped).toEqual([expect.objectContaining({ name: 'mood' })]);

    const plan = planBackup(
      [
        { kind: 'index', schema: 'public', name: 'i', reason: 'DROP INDEX' },
        { kind: 'other', schema: 'public', name: 's', reason: 'DROP SEQUENCE' },
        drop('gone'),
        { kind: 'other', schema: '', name: 'db', reason: 'DROP DATABASE' },
      ],
      { tables: [], dependentsRead: true },
    );
    expect(plan.skipped.map((s) => s.why)).toEqual([
      expect.stringContaining('index'),
      expect.stringContaining('sequence'),
      expect.stringContaining('does not exist'),
    ]);
    expect(plan.failed).toEqual([expect.objectContaining({ name: 'db', reason: 'DROP DATABASE' })]);
  });
});
