/**
 * The `dir` target on disk: `<dir>/<id>/manifest.json` plus one compressed data file per table;
 * directories 0700, files 0600. The manifest is written last, atomically (temp file + rename), so
 * a half-written backup never looks complete; directories without a manifest are ignored.
 */
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DbctlError } from '../errors.js';
import { parseManifest } from './manifest.js';
import { isBackupId, newestFirst } from './plan.js';
import type { BackupManifest } from './types.js';

export const MANIFEST_FILE = 'manifest.json';

/** Creates `<dir>` (0700 when created) and the new `<dir>/<id>` (0700, must not exist); returns the latter. */
export async function createBackupDirectory(dir: string, id: string): Promise<string> {
  await ensureDirectory(path.resolve(dir));
  const backupDir = path.join(dir, id);
  await mkdir(backupDir, { mode: 0o700 });
  await chmod(backupDir, 0o700);
  return backupDir;
}

/**
 * `mkdir -p` with mode 0700 for the directories it creates. Not `mkdir(..., { recursive: true })`:
 * Node 20's recursive mkdir never returns for some paths (e.g. under /proc).
 */
async function ensureDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  let current = dir;
  for (;;) {
    try {
      const info = await stat(current);
      if (!info.isDirectory()) throw Object.assign(new Error(`${current} is not a directory`), { code: 'ENOTDIR' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const parent = path.dirname(current);
      if (parent === current) throw error;
      missing.unshift(current);
      current = parent;
    }
  }
  for (const each of missing) {
    try {
      await mkdir(each, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** Writes the manifest last and atomically: `manifest.json.tmp` (0600, fsynced), then rename, then fsync the directory. */
export async function writeManifest(backupDir: string, manifest: BackupManifest): Promise<void> {
  const final = path.join(backupDir, MANIFEST_FILE);
  const temp = `${final}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, final);
  await syncDirectory(backupDir);
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // some filesystems cannot fsync a directory; the rename is still atomic
  }
}

/** Removes one backup directory (only a directory named like a backup id). */
export async function removeBackupDirectory(dir: string, id: string): Promise<void> {
  // internal assertion (a caller's bug, never a user's input): a plain Error
  if (!isBackupId(id)) throw new Error(`refusing to remove ${id}: not a backup id`);
  await rm(path.join(dir, id), { recursive: true, force: true });
}

/** Every complete backup in `dir`, newest first; unreadable manifests are reported through `onProblem`. */
export async function listDirectory(dir: string, onProblem?: (message: string) => void): Promise<BackupManifest[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    if (code === 'ENOTDIR')
      throw new DbctlError('USAGE', `backup directory ${dir} is not a directory`, { hint: 'set backup.dir in dbctl.config.ts' });
    throw new DbctlError('OPERATION_FAILED', `cannot read the backup directory ${dir}: ${(error as Error).message}`, { cause: error });
  }
  const manifests: BackupManifest[] = [];
  for (const entry of entries.filter(isBackupId).sort()) {
    let text: string;
    try {
      text = await readFile(path.join(dir, entry, MANIFEST_FILE), 'utf8');
    } catch {
      continue; // incomplete (no manifest): a failed or running backup
    }
    try {
      manifests.push(parseManifest(text, entry));
    } catch (error) {
      onProblem?.((error as Error).message);
    }
  }
  return manifests.sort(newestFirst);
}

/** Reads and validates one backup's manifest; USAGE (exit 2) when there is no such backup. */
export async function readDirectoryManifest(dir: string, id: string): Promise<BackupManifest> {
  if (!isBackupId(id)) throw unknownBackup(id, `in ${dir}`);
  let text: string;
  try {
    text = await readFile(path.join(dir, id, MANIFEST_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      throw unknownBackup(id, `in ${dir}`);
    throw new DbctlError('OPERATION_FAILED', `cannot read backup ${id}: ${(error as Error).message}`, { cause: error });
  }
  return parseManifest(text, id);
}

/** The error for an id that names no backup. */
export function unknownBackup(id: string, where: string): DbctlError {
  return new DbctlError('USAGE', `no backup "${id}" ${where}`, { hint: 'run `dbctl backups` to see the backup ids' });
}
