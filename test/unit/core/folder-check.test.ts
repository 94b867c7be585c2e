import { describe, expect, it } from 'vitest';
import { checkFolder, ROOT_SNAPSHOT_ID, type FolderFacts } from '../../../src/core/folder-check.js';

const snap = (idx: number, id: string, prevId: string) => ({ file: `meta/${String(idx).padStart(4, '0')}_snapshot.json`, idx, id, prevId });
const good = (): FolderFacts => ({
  entries: [
    { idx: 0, when: 1, tag: '0000_a' },
    { idx: 1, when: 2, tag: '0001_b' },
  ],
  sqlTags: ['0000_a', '0001_b'],
  snapshots: [snap(0, 'A', ROOT_SNAPSHOT_ID), snap(1, 'B', 'A')],
});

describe('checkFolder', () => {
  it('passes a consistent folder', () => {
    expect(checkFolder(good())).toEqual([]);
  });

  it('finds missing and extra SQL files and missing snapshots', () => {
    const facts = good();
    facts.sqlTags = ['0000_a', '0002_orphan'];
    facts.snapshots.pop();
    expect(checkFolder(facts).map((p) => [p.kind, p.tags])).toEqual([
      ['missing-sql', ['0001_b']],
      ['extra-sql', ['0002_orphan']],
      ['missing-snapshot', ['0001_b']],
    ]);
  });

  it('names both migrations of a branch-merge collision and how to regenerate', () => {
    const facts = good();
    facts.entries.push({ idx: 1, when: 3, tag: '0001_c' });
    facts.sqlTags.push('0001_c');
    const problems = checkFolder(facts);
    expect(problems).toEqual([expect.objectContaining({ kind: 'duplicate-idx', tags: ['0001_b', '0001_c'] })]);
    expect(problems[0]!.message).toContain('dbctl generate');
  });

  it('detects two snapshots following the same parent, and a broken chain', () => {
    const facts = good();
    facts.entries.push({ idx: 2, when: 3, tag: '0002_c' });
    facts.sqlTags.push('0002_c');
    facts.snapshots.push(snap(2, 'C', 'A'));
    expect(checkFolder(facts).map((p) => p.kind)).toEqual(['branch-collision']);
    facts.snapshots[2] = snap(2, 'C', 'ZZZ');
    expect(checkFolder(facts).map((p) => p.kind)).toEqual(['broken-chain']);
  });

  it('flags duplicate timestamps and unreadable snapshots', () => {
    const facts = good();
    facts.entries[1]!.when = 1;
    facts.snapshots[1] = { ...facts.snapshots[1]!, id: null, prevId: null };
    expect(checkFolder(facts).map((p) => p.kind)).toEqual(['duplicate-when', 'unreadable-snapshot']);
  });
});
