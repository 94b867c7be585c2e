/**
 * Listing backups of a target, newest first.
 */
import type postgres from 'postgres';
import { listDatabase } from './store-database.js';
import { listDirectory } from './store-dir.js';
import type { BackupManifest, BackupTarget } from './types.js';

/** Options of a listing. */
export interface ListOptions {
  /** The connection, needed for the `database` target only. */
  sql?: postgres.Sql;
  /** Only this environment's backups. */
  env?: string;
  /** Called for each backup whose manifest cannot be read (it is left out). */
  onProblem?: (message: string) => void;
}

/** Every complete backup of the target, newest first (the `dir` target needs no connection). */
export async function listBackups(target: BackupTarget, options: ListOptions = {}): Promise<BackupManifest[]> {
  let all: BackupManifest[];
  if (target.kind === 'dir') all = await listDirectory(target.dir, options.onProblem);
  else {
    // internal assertion (a caller's bug, never a user's input): a plain Error
    if (!options.sql) throw new Error('listing the database target needs a connection');
    all = await listDatabase(options.sql, options.onProblem);
  }
  return options.env === undefined ? all : all.filter((m) => m.env === options.env);
}
