import { describe, expect, it } from 'vitest';
import { markCosmetic, planStatus, selectPending, summarize, type DrizzleRow, type HistoryLatest } from '../../../src/core/plan.js';

const m = (tag: string, when: number, hash = `h-${tag}`) => ({ tag, when, hash });
const row = (id: number, createdAt: number, hash: string): DrizzleRow => ({ id, createdAt, hash });

describe('planStatus', () => {
  it('matches by timestamp and hash, not by the newest row', () => {
    const local = [m('a', 1), m('b', 2), m('c', 3)];
    const status = planStatus(local, [row(1, 1, 'h-a'), row(2, 3, 'h-c')], new Map());
    expect(status.migrations.map((p) => [p.migration.tag, p.state, p.outOfOrder])).toEqual([
      ['a', 'applied', false],
      ['b', 'pending', true],
      ['c', 'applied', false],
    ]);
    expect(status.unknown).toEqual([]);
  });

  it('flags a changed file as modified and a foreign row as unknown', () => {
    const status = planStatus([m('a', 1), m('b', 2)], [row(1, 1, 'edited'), row(2, 99, 'other')], new Map());
    expect(status.migrations.map((p) => p.state)).toEqual(['modified', 'pending']);
    expect(status.unknown).toEqual([row(2, 99, 'other')]);
    expect(summarize(status)).toEqual({ applied: 0, pending: 1, failed: 0, modified: 1, cosmetic: 0, unknown: 1 });
  });

  it('turns the modified migrations it is told are only reformatted into cosmetic, and nothing else', () => {
    const status = planStatus([m('a', 1), m('b', 2)], [row(1, 1, 'edited')], new Map());
    const marked = markCosmetic(status, new Set(['a', 'b']));
    expect(marked.migrations.map((p) => p.state)).toEqual(['cosmetic', 'pending']);
    expect(summarize(marked)).toEqual({ applied: 0, pending: 1, failed: 0, modified: 0, cosmetic: 1, unknown: 0 });
    expect(markCosmetic(status, new Set())).toBe(status);
  });

  it('accepts a row whose timestamp moved but whose hash matches', () => {
    const status = planStatus([m('a', 5)], [row(1, 4, 'h-a')], new Map());
    expect(status.migrations[0]!.state).toBe('applied');
  });

  it('claims rows one to one when two files have the same text', () => {
    const status = planStatus([m('a', 1, 'same'), m('b', 2, 'same')], [row(1, 1, 'same')], new Map());
    expect(status.migrations.map((p) => p.state)).toEqual(['applied', 'pending']);
  });

  it('reports failed part-way from history, and pending with the last error after a rollback', () => {
    const history = new Map<string, HistoryLatest>([
      ['a', { tag: 'a', hash: 'h-a', outcome: 'failed', finishedAt: null, error: 'boom' }],
      ['b', { tag: 'b', hash: 'h-b', outcome: 'rolled-back', finishedAt: null, error: 'bad type' }],
      ['c', { tag: 'c', hash: 'h-c', outcome: 'resolved-rolled-back', finishedAt: null, error: null }],
    ]);
    const status = planStatus([m('a', 1), m('b', 2), m('c', 3)], [], history);
    expect(status.migrations.map((p) => [p.state, p.lastError])).toEqual([
      ['failed', 'boom'],
      ['pending', 'bad type'],
      ['pending', null],
    ]);
  });

  it('selects pending migrations in journal order up to --to', () => {
    const status = planStatus([m('a', 1), m('b', 2), m('c', 3)], [row(1, 2, 'h-b')], new Map());
    expect(selectPending(status)!.map((p) => p.migration.tag)).toEqual(['a', 'c']);
    expect(selectPending(status, 'b')!.map((p) => p.migration.tag)).toEqual(['a']);
    expect(selectPending(status, 'zzz')).toBeNull();
  });
});
