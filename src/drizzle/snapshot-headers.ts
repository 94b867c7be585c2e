/**
 * What each snapshot in a migrations folder's `meta/` says about itself (id, prevId, version,
 * dialect), read without validating its body: all `dbctl check` needs of every snapshot but the
 * newest (the journal check follows the id/prevId chain; the schema check diffs against the newest
 * and refuses outdated, foreign or colliding snapshots, as generate does).
 *
 * The snapshots of a long history are big (200 migrations of a 50-table schema: 14 MB of JSON,
 * ~150 ms to parse and as much garbage), so they are parsed once, on a worker thread, while the
 * main thread goes on (compiling drizzle-kit, loading the schema); where a worker cannot start,
 * they are parsed here.
 */
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** The top-level fields of one snapshot file, or why it could not be read as JSON. */
export interface SnapshotHeader {
  /** The read or JSON.parse error's message, when the file is not readable JSON. */
  error?: string;
  /** False when the JSON is not an object (then the fields below are absent). */
  object: boolean;
  id?: unknown;
  prevId?: unknown;
  version?: unknown;
  dialect?: unknown;
  /** True when `tables` is a JSON object (not null, not an array). */
  tablesObject: boolean;
}

/** Headers by absolute file path. */
export type SnapshotHeaders = ReadonlyMap<string, SnapshotHeader>;

/**
 * Reads and parses `files`, keeping only the header fields. Self-contained (no imports, no
 * helpers): the worker runs its source text.
 */
function headersOf(files: string[], read: (file: string, encoding: 'utf8') => string): SnapshotHeader[] {
  return files.map((file) => {
    let data: unknown;
    try {
      data = JSON.parse(read(file, 'utf8'));
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error), object: false, tablesObject: false };
    }
    if (!data || typeof data !== 'object' || Array.isArray(data)) return { object: false, tablesObject: false };
    const { id, prevId, version, dialect, tables } = data as Record<string, unknown>;
    return {
      object: true,
      id,
      prevId,
      version,
      dialect,
      tablesObject: typeof tables === 'object' && tables !== null && !Array.isArray(tables),
    };
  });
}

const WORKER_SOURCE = `const headersOf = ${headersOf.toString()};
const { parentPort, workerData } = require('node:worker_threads');
parentPort.postMessage(headersOf(workerData, require('node:fs').readFileSync));`;

/**
 * The headers of every file in `metaDir` not starting with `_` (what drizzle-kit reads as
 * snapshots). An empty map when `metaDir` cannot be listed.
 */
export async function readSnapshotHeaders(metaDir: string): Promise<SnapshotHeaders> {
  const names = await readdir(metaDir).catch(() => [] as string[]);
  const files = names.filter((name) => !name.startsWith('_')).map((name) => path.join(metaDir, name));
  if (files.length === 0) return new Map();
  const headers = await onWorker(files).catch(() => headersOf(files, readFileSync));
  return new Map(files.map((file, i) => [file, headers[i]!]));
}

function onWorker(files: string[]): Promise<SnapshotHeader[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: files, stdout: true, stderr: true });
    worker.once('message', (headers: SnapshotHeader[]) => resolve(headers));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the snapshot reader stopped (exit ${code})`)));
  });
}
