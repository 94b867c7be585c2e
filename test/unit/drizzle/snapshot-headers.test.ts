/**
 * Snapshot headers (read on a worker thread) and `readOutFolder`'s `validate: 'newest'`: only the
 * newest snapshot's body is validated, while outdated, foreign, unreadable and colliding snapshots
 * are refused exactly as when every snapshot is validated.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKit } from '../../../src/drizzle/kit/index.js';
import { readOutFolder, type ReadOutFolderOptions } from '../../../src/drizzle/generate/out-folder.js';
import type { KitInternals } from '../../../src/drizzle/generate/types.js';
import { readSnapshotHeaders } from '../../../src/drizzle/snapshot-headers.js';
import { isDbctlError } from '../../../src/errors.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const root = mkdtempSync(path.join(tmpdir(), 'dbctl-headers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ROOT_ID = '00000000-0000-0000-0000-000000000000';
const ids = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333'];

let kit: KitInternals;
beforeAll(async () => {
  kit = await loadKit(repoRoot);
});

let count = 0;
/** A migrations folder whose snapshots are `bodies` (each a snapshot object or raw text). */
function folder(bodies: (Record<string, unknown> | string)[]): string {
  const out = path.join(root, `f${count++}`);
  mkdirSync(path.join(out, 'meta'), { recursive: true });
  const entries = bodies.map((_, idx) => ({
    idx,
    version: '7',
    when: 1_700_000_000_000 + idx,
    tag: `${String(idx).padStart(4, '0')}_m`,
    breakpoints: true,
  }));
  writeFileSync(path.join(out, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }));
  bodies.forEach((body, idx) => {
    writeFileSync(path.join(out, `${entries[idx]!.tag}.sql`), 'select 1;');
    writeFileSync(
      path.join(out, 'meta', `${String(idx).padStart(4, '0')}_snapshot.json`),
      typeof body === 'string' ? body : JSON.stringify(body, null, 2),
    );
  });
  return out;
}

/** A valid empty snapshot in the chain. */
const snapshot = (i: number, extra: Record<string, unknown> = {}) => ({
  ...(kit.dryPg as object),
  id: ids[i],
  prevId: i === 0 ? ROOT_ID : ids[i - 1],
  ...extra,
});

function outcome(out: string, options: ReadOutFolderOptions): string {
  try {
    return `newest ${readOutFolder(out, kit, options).previous.id}`;
  } catch (error) {
    return isDbctlError(error) ? `${error.code}: ${error.message}` : `Error: ${String(error)}`;
  }
}

/** The outcome of `readOutFolder` with every snapshot validated, and with only the newest (with and without headers). */
async function outcomes(out: string): Promise<{ all: string; newest: string; withHeaders: string }> {
  const headers = await readSnapshotHeaders(path.join(out, 'meta'));
  return {
    all: outcome(out, {}),
    newest: outcome(out, { validate: 'newest' }),
    withHeaders: outcome(out, { validate: 'newest', headers }),
  };
}

describe('readSnapshotHeaders', () => {
  it('reads id, prevId, version and dialect of every snapshot, and which are not JSON objects', async () => {
    const out = folder([snapshot(0), '{ "id": "x", <<<<<<< HEAD', '[1, 2]']);
    const headers = await readSnapshotHeaders(path.join(out, 'meta'));
    const at = (idx: number) => headers.get(path.join(out, 'meta', `000${idx}_snapshot.json`))!;
    expect(at(0)).toEqual({ object: true, id: ids[0], prevId: ROOT_ID, version: '7', dialect: 'postgresql', tablesObject: true });
    expect(at(1)).toMatchObject({ object: false, tablesObject: false });
    expect(at(1).error).toMatch(/JSON/);
    expect(at(2)).toEqual({ object: false, tablesObject: false });
    expect(headers.has(path.join(out, 'meta', '_journal.json'))).toBe(false);
    expect((await readSnapshotHeaders(path.join(out, 'missing'))).size).toBe(0);
  });
});

describe("readOutFolder with validate: 'newest'", () => {
  it('reads the same newest snapshot', async () => {
    const result = await outcomes(folder([snapshot(0), snapshot(1), snapshot(2)]));
    expect(result).toEqual({ all: `newest ${ids[2]}`, newest: `newest ${ids[2]}`, withHeaders: `newest ${ids[2]}` });
  });

  it('does not validate the body of an older current snapshot, but does the newest', async () => {
    const olderBroken = await outcomes(folder([snapshot(0, { tables: { 'public.t': 'nope' } }), snapshot(1)]));
    expect(olderBroken.all).toMatch(/MIGRATIONS_FOLDER_INVALID: .*0000_snapshot\.json is malformed/);
    // drizzle-kit's schema says where: the one line names the field it rejected
    expect(olderBroken.all).toContain('tables["public.t"]: Expected object, received string');
    expect(olderBroken.newest).toBe(`newest ${ids[1]}`);
    expect(olderBroken.withHeaders).toBe(`newest ${ids[1]}`);
    const newestBroken = await outcomes(folder([snapshot(0), snapshot(1, { tables: { 'public.t': 'nope' } })]));
    expect(newestBroken.newest).toBe(newestBroken.all);
    expect(newestBroken.withHeaders).toBe(newestBroken.all);
  });

  it('refuses outdated, foreign, unreadable, non-object and colliding snapshots as generate does', async () => {
    const cases = [
      [snapshot(0, { version: '6' }), snapshot(1)],
      [snapshot(0, { version: '8' }), snapshot(1)],
      [snapshot(0, { dialect: 'mysql' }), snapshot(1)],
      [snapshot(0, { tables: [] }), snapshot(1)],
      [snapshot(0, { prevId: 5 }), snapshot(1)],
      ['{ "id": "x", <<<<<<< HEAD', snapshot(1)],
      ['null', snapshot(1)],
      [snapshot(0), snapshot(1), snapshot(2, { prevId: ids[0] })],
    ];
    for (const bodies of cases) {
      const result = await outcomes(folder(bodies));
      expect(result.all, JSON.stringify(bodies).slice(0, 80)).toMatch(/^(MIGRATIONS_FOLDER_INVALID|Error): /);
      expect(result.newest).toBe(result.all);
      expect(result.withHeaders).toBe(result.all);
    }
  });
});
