/**
 * drizzle's snapshots tell whether drizzle-kit asked the rename question and was answered "create".
 */
import { describe, expect, it } from 'vitest';
import { answeredCreate, snapshotShape } from '../../../src/review/snapshot-answers.js';

const v7 = (tables: Record<string, string[]>) => ({
  version: '7',
  dialect: 'postgresql',
  tables: Object.fromEntries(
    Object.entries(tables).map(([name, columns]) => [
      `public.${name}`,
      { name, schema: '', columns: Object.fromEntries(columns.map((c) => [c, { name: c }])) },
    ]),
  ),
  _meta: { columns: {}, schemas: {}, tables: {} },
});
const v8 = (tables: Record<string, string[]>) => ({
  version: '8',
  dialect: 'postgres',
  ddl: Object.entries(tables).flatMap(([name, columns]) => [
    { entityType: 'tables', schema: 'public', name },
    ...columns.map((c) => ({ entityType: 'columns', schema: 'public', table: name, name: c })),
  ]),
});

describe('answeredCreate', () => {
  for (const [label, make] of [
    ['0.31 snapshots', v7],
    ['1.0 snapshots', v8],
  ] as const) {
    it(`${label}: a column added to a table that lost one; a table created while another was dropped`, () => {
      expect(answeredCreate(make({ users: ['id', 'name'] }), make({ users: ['id', 'full_name'] }))).toEqual(['public.users.full_name']);
      expect(answeredCreate(make({ posts: ['id'] }), make({ articles: ['id'] }))).toEqual(['public.articles']);
      expect(answeredCreate(make({ users: ['id'] }), make({ users: ['id', 'bio'] }))).toEqual([]);
      expect(answeredCreate(undefined, make({ users: ['id'] }))).toEqual([]);
    });
  }
  it('unknown JSON says nothing', () => {
    expect(snapshotShape({ hello: 1 })).toBeUndefined();
    expect(answeredCreate({ x: 1 }, v7({ users: ['id'] }))).toEqual([]);
  });
});
