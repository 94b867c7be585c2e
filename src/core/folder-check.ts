/**
 * Consistency of a drizzle migrations folder: the journal, the SQL files and the snapshot chain
 * must agree, or the next `generate` or `migrate` goes wrong. Names the colliding migrations of a
 * branch merge and says how to regenerate. Pure.
 */

/** What is on disk, gathered without judging it. */
export interface FolderFacts {
  /** Journal entries as written (may have duplicates). */
  entries: { idx: number; when: number; tag: string }[];
  /** Tags of the `.sql` files in the folder. */
  sqlTags: string[];
  /** Snapshot files with their ids; `id`/`prevId` null when unreadable. */
  snapshots: { file: string; idx: number; id: string | null; prevId: string | null }[];
}

/** One inconsistency. */
export interface FolderProblem {
  kind:
    | 'missing-sql'
    | 'extra-sql'
    | 'duplicate-idx'
    | 'duplicate-when'
    | 'duplicate-tag'
    | 'missing-snapshot'
    | 'broken-chain'
    | 'branch-collision'
    | 'unreadable-snapshot';
  message: string;
  tags: string[];
  /**
   * A stable id a project can accept the problem by (`check.acceptJournal`, `dbctl check
   * --baseline`): `prevId@0066` (the chain broken at snapshot 0066), `orphan@0012_x` (an SQL file
   * the journal lacks), `missing-sql@<tag>`, `snapshot@<tag>`, `idx@<n>`, `when@<ms>`, `tag@<tag>`,
   * `collision@<prevId>`, `unreadable@<file>`.
   */
  id: string;
}

/** The problems split into those a baseline accepts and those it does not. */
export function applyBaseline(
  problems: readonly FolderProblem[],
  accepted: readonly string[],
): { failing: FolderProblem[]; accepted: FolderProblem[] } {
  const ids = new Set(accepted);
  return { failing: problems.filter((p) => !ids.has(p.id)), accepted: problems.filter((p) => ids.has(p.id)) };
}

/** drizzle-kit's prevId of the first snapshot. */
export const ROOT_SNAPSHOT_ID = '00000000-0000-0000-0000-000000000000';

/** Every inconsistency between journal, SQL files and snapshots. */
export function checkFolder(facts: FolderFacts): FolderProblem[] {
  const problems: FolderProblem[] = [];
  const journalTags = new Set(facts.entries.map((e) => e.tag));
  for (const entry of facts.entries) {
    if (!facts.sqlTags.includes(entry.tag)) {
      problems.push({
        kind: 'missing-sql',
        id: `missing-sql@${entry.tag}`,
        tags: [entry.tag],
        message: `journal entry ${entry.tag} has no SQL file; restore ${entry.tag}.sql from git or remove the entry`,
      });
    }
  }
  for (const tag of facts.sqlTags) {
    if (!journalTags.has(tag)) {
      problems.push({
        kind: 'extra-sql',
        id: `orphan@${tag}`,
        tags: [tag],
        message: `${tag}.sql is not in the journal (its entry was lost, e.g. in a merge); drizzle never applies it: delete it and run \`dbctl generate\` again, or restore its journal entry; if it is an old leftover kept on purpose, accept it: \`dbctl check --baseline\` (or \`check: { acceptJournal: ['orphan@${tag}'] }\`)`,
      });
    }
  }
  for (const [key, kind] of [
    ['idx', 'duplicate-idx'],
    ['when', 'duplicate-when'],
    ['tag', 'duplicate-tag'],
  ] as const) {
    const groups = new Map<string, string[]>();
    for (const e of facts.entries) groups.set(String(e[key]), [...(groups.get(String(e[key])) ?? []), e.tag]);
    for (const [value, tags] of groups) {
      if (tags.length < 2) continue;
      problems.push({
        kind,
        id: `${key}@${value}`,
        tags,
        message:
          kind === 'duplicate-idx'
            ? `${tags.join(' and ')} share idx ${value}: two branches each generated a migration; keep the one already merged, delete the other's SQL file, journal entry and snapshot, and run \`dbctl generate\` to regenerate it on top`
            : kind === 'duplicate-when'
              ? `${tags.join(' and ')} share the timestamp ${value}; drizzle cannot order them: regenerate the newer one`
              : `tag ${value} appears ${tags.length} times in the journal`,
      });
    }
  }
  problems.push(...checkSnapshots(facts));
  return problems;
}

function checkSnapshots(facts: FolderFacts): FolderProblem[] {
  const problems: FolderProblem[] = [];
  const byIdx = new Map<number, FolderFacts['snapshots']>();
  for (const s of facts.snapshots) byIdx.set(s.idx, [...(byIdx.get(s.idx) ?? []), s]);
  const tagOf = (idx: number) => facts.entries.filter((e) => e.idx === idx).map((e) => e.tag);
  const newest = facts.entries.at(-1);
  for (const entry of facts.entries) {
    const prefix = entry.tag.split('_')[0]!;
    // prefix none: drizzle-kit keeps one `_snapshot.json`, the newest migration's
    if (prefix === '' && entry !== newest) continue;
    if (!byIdx.has(entry.idx)) {
      problems.push({
        kind: 'missing-snapshot',
        id: `snapshot@${entry.tag}`,
        tags: [entry.tag],
        message: `${entry.tag} has no snapshot meta/${prefix}_snapshot.json; restore it from git (drizzle-kit generate diffs against it)`,
      });
    }
  }
  for (const s of facts.snapshots) {
    if (s.id === null)
      problems.push({
        kind: 'unreadable-snapshot',
        id: `unreadable@${s.file}`,
        tags: tagOf(s.idx),
        message: `${s.file} is not a readable snapshot (merge conflict markers?); restore it from git`,
      });
  }
  const readable = facts.snapshots.filter((s) => s.id !== null).sort((a, b) => a.idx - b.idx);
  const prevUsers = new Map<string, typeof readable>();
  for (const s of readable) prevUsers.set(s.prevId ?? '', [...(prevUsers.get(s.prevId ?? '') ?? []), s]);
  for (const [prevId, users] of prevUsers) {
    if (users.length < 2) continue;
    const tags = users.flatMap((u) => tagOf(u.idx));
    problems.push({
      kind: 'branch-collision',
      id: `collision@${prevId.slice(0, 8)}`,
      tags,
      message: `${users.map((u) => u.file).join(' and ')} both follow snapshot ${prevId.slice(0, 8)}: two branches generated migrations from the same point (${tags.join(', ')}); delete the newer branch's migration and run \`dbctl generate\` to regenerate it after the other`,
    });
  }
  // prefix none keeps only the newest snapshot (`meta/_snapshot.json`): there is no chain to follow
  const chained = readable.filter((s) => s.file !== 'meta/_snapshot.json');
  const ids = new Set(readable.map((s) => s.id));
  chained.forEach((s, i) => {
    const expected = i === 0 ? ROOT_SNAPSHOT_ID : chained[i - 1]!.id;
    if (s.prevId === expected || (prevUsers.get(s.prevId ?? '')?.length ?? 0) > 1) return;
    const dangling = s.prevId !== ROOT_SNAPSHOT_ID && !ids.has(s.prevId);
    const id = `prevId@${String(s.idx).padStart(4, '0')}`;
    problems.push({
      kind: 'broken-chain',
      id,
      tags: tagOf(s.idx),
      message: `${s.file} follows ${dangling ? 'a snapshot that is not in the folder' : 'another snapshot than the one before it'} (prevId ${String(s.prevId).slice(0, 8)}); the chain was broken by a merge or a hand edit: if these migrations are not deployed anywhere, regenerate the migrations after ${i === 0 ? 'the start' : chained[i - 1]!.file}; if they are, accept it: \`dbctl check --baseline\` (or \`check: { acceptJournal: ['${id}'] }\` in dbctl.config)`,
    });
  });
  return problems;
}
