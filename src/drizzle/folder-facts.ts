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
export async function readFolderFacts(dir: string, headers?: SnapshotHeaders): Promise<{ facts: FolderFacts } | { unreadable: string }> {
  let journal: { entries?: { idx: number; when: number; tag: string }[] };
  try {
    journal = JSON.parse(await readFile(path.join(dir, 'meta', '_journal.json'), 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return { unreadable: missing ? 'there is no meta/_journal.json' : `meta/_journal.json is not valid JSON (${(error as Error).message})` };
  }
  if (!Array.isArray(journal.entries)) return { unreadable: 'meta/_journal.json has no "entries" array' };
  const files = await readdir(dir).catch(() => [] as string[]);
  const metaFiles = await readdir(path.join(dir, 'meta')).catch(() => [] as string[]);
  const snapshots = await Promise.all(
    metaFiles
      .filter((f) => /^\d+_snapshot\.json$/.test(f))
      .map(async (file) => {
        const idx = Number.parseInt(file, 10);
        const header = headers?.get(path.join(dir, 'meta', file)) ?? (await readHeader(path.join(dir, 'meta', file)));
        return { file: `meta/${file}`, idx, id: typeof header.id === 'string' ? header.id : null, prevId: typeof header.prevId === 'string' ? header.prevId : null };
      }),
  );
  return {
    facts: {
      entries: journal.entries.map((e) => ({ idx: e.idx, when: e.when, tag: e.tag })),
      sqlTags: files.filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -4)).sort(),
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
