/**
 * Gathers what is in a migrations folder without judging it (for `dbctl check`): journal entries
 * as written, the SQL files present, and each snapshot's id and prevId.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { FolderFacts } from '../core/folder-check.js';
import type { SnapshotHeader, SnapshotHeaders } from './snapshot-headers.js';

/**
 * The facts, or the reason the journal itself cannot be read. `headers` (`readSnapshotHeaders` of
 * `meta/`) saves reading the snapshots again; a snapshot without one is read here.
 */
export async function readFolderFacts(
  dir: string,
  headers?: SnapshotHeaders,
): Promise<{ facts: FolderFacts } | { unreadable: string } | { folders: { count: number; problems: string[] } }> {
  const { assertFolderFormat } = await import('./folder.js');
  const { resolveDrizzleKit } = await import('./kit/resolve.js');
  let kit: { line: '0.31' | '1.0'; version: string } | null = null;
  try {
    kit = resolveDrizzleKit(dir);
  } catch {
    kit = null; // not installed: the folder's own format
  }
  let format: 'journal' | 'folders';
  try {
    format = assertFolderFormat(dir, kit?.line ?? null, path.basename(dir), kit?.version);
  } catch (error) {
    return { unreadable: `${(error as Error).message}; ${(error as { hint?: string }).hint ?? ''}`.replace(/; $/, '') };
  }
  if (format === 'folders') return { folders: await checkFolders(dir) };
  let journal: { entries?: { idx: number; when: number; tag: string }[] };
  try {
    journal = JSON.parse(await readFile(path.join(dir, 'meta', '_journal.json'), 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return {
      unreadable: missing ? 'there is no meta/_journal.json' : `meta/_journal.json is not valid JSON (${(error as Error).message})`,
    };
  }
  if (!Array.isArray(journal.entries)) return { unreadable: 'meta/_journal.json has no "entries" array' };
  const files = await readdir(dir).catch(() => [] as string[]);
  const metaFiles = await readdir(path.join(dir, 'meta')).catch(() => [] as string[]);
  // drizzle-kit names a snapshot by its migration's tag prefix (the text before the first `_`):
  // `0003` with prefix index, `20241205123456` with timestamp or supabase, `1733400000` with unix,
  // nothing with none (one `_snapshot.json`, rewritten by every generate: the newest migration's).
  const entryOfPrefix = new Map<string, number>();
  for (const e of journal.entries) entryOfPrefix.set(e.tag.split('_')[0]!, e.idx);
  const snapshots = await Promise.all(
    metaFiles
      .filter((f) => /^[^_]*_snapshot\.json$/.test(f))
      .map(async (file) => {
        const prefix = file.slice(0, -'_snapshot.json'.length);
        const idx = entryOfPrefix.get(prefix) ?? (prefix === '' ? -1 : Number.parseInt(prefix, 10));
        const header = headers?.get(path.join(dir, 'meta', file)) ?? (await readHeader(path.join(dir, 'meta', file)));
        return {
          file: `meta/${file}`,
          idx,
          id: typeof header.id === 'string' ? header.id : null,
          prevId: typeof header.prevId === 'string' ? header.prevId : null,
        };
      }),
  );
  return {
    facts: {
      entries: journal.entries.map((e) => ({ idx: e.idx, when: e.when, tag: e.tag })),
      sqlTags: files
        .filter((f) => f.endsWith('.sql'))
        .map((f) => f.slice(0, -4))
        .sort(),
      snapshots: snapshots.sort((a, b) => a.idx - b.idx),
    },
  };
}

async function readHeader(file: string): Promise<Pick<SnapshotHeader, 'id' | 'prevId'>> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as { id?: unknown; prevId?: unknown };
    return { id: data.id, prevId: data.prevId };
  } catch {
    return {};
  }
}

/** drizzle-kit's id of the empty schema, the parent of a first migration. */
const ORIGIN_ID = '00000000-0000-0000-0000-000000000000';

/**
 * drizzle-kit 1.0's folder consistency: every `<YYYYMMDDHHMMSS>_<name>/` has its `migration.sql` and
 * a readable version-9 `snapshot.json`; snapshot ids are unique; every id in a `prevIds` is the
 * origin or another snapshot of the folder. Several migrations may share a parent (branches merged:
 * drizzle-kit 1.0 generates the next one on all leaves), which is not a problem.
 */
export async function checkFolders(dir: string): Promise<{ count: number; problems: string[] }> {
  const names = (await readdir(dir, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort((a, b) => a.localeCompare(b));
  const problems: string[] = [];
  const ids = new Map<string, string>();
  const parents: { tag: string; prevIds: string[] }[] = [];
  let count = 0;
  for (const tag of names) {
    const files = await readdir(path.join(dir, tag)).catch(() => [] as string[]);
    const hasSql = files.includes('migration.sql');
    const hasSnapshot = files.includes('snapshot.json');
    if (!hasSql && !hasSnapshot) continue;
    if (hasSql) count++;
    if (!/^\d{14}(_|$)/.test(tag))
      problems.push(`${tag}/ does not start with a YYYYMMDDHHMMSS timestamp; drizzle orders and dates migrations by it: regenerate it`);
    if (!hasSql) {
      problems.push(
        `${tag}/ has a snapshot.json but no migration.sql; drizzle never applies it: restore ${tag}/migration.sql from git, or delete the folder and run \`dbctl generate\``,
      );
    }
    if (!hasSnapshot) {
      problems.push(`${tag}/ has no snapshot.json; restore it from git (drizzle-kit generate rebuilds the schema from the snapshots)`);
      continue;
    }
    let data: { id?: unknown; prevIds?: unknown; version?: unknown; dialect?: unknown };
    try {
      data = JSON.parse(await readFile(path.join(dir, tag, 'snapshot.json'), 'utf8')) as typeof data;
    } catch (error) {
      problems.push(
        `${tag}/snapshot.json is not valid JSON (${(error as Error).message}); restore it from git or resolve the merge conflict in it`,
      );
      continue;
    }
    if (data?.version !== '9' || data?.dialect !== 'postgres') {
      problems.push(
        `${tag}/snapshot.json is not a drizzle-kit 1.0 PostgreSQL snapshot (version ${JSON.stringify(data?.version)}, dialect ${JSON.stringify(data?.dialect)}); run \`npx drizzle-kit up\``,
      );
      continue;
    }
    if (
      typeof data.id !== 'string' ||
      !Array.isArray(data.prevIds) ||
      data.prevIds.length === 0 ||
      !data.prevIds.every((p) => typeof p === 'string')
    ) {
      problems.push(`${tag}/snapshot.json lacks a string "id" or a non-empty "prevIds" list; restore it from git`);
      continue;
    }
    if (ids.has(data.id))
      problems.push(
        `${tag} and ${ids.get(data.id)} have the same snapshot id ${data.id} (a copied folder): delete the copy and run \`dbctl generate\``,
      );
    ids.set(data.id, tag);
    parents.push({ tag, prevIds: data.prevIds as string[] });
  }
  for (const { tag, prevIds } of parents) {
    for (const prevId of prevIds) {
      if (prevId !== ORIGIN_ID && !ids.has(prevId)) {
        problems.push(
          `${tag}'s parent snapshot ${prevId} is in no migration of the folder (a migration was deleted or not merged): restore it from git, or delete ${tag} and run \`dbctl generate\``,
        );
      }
    }
  }
  return { count, problems };
}
