/**
 * Turning whatever stopped a backup into one clear BACKUP_FAILED line: what failed and what to do.
 */
import { DbctlError, isDbctlError } from '../errors.js';
import { BackupWriteError } from './gzip-file.js';

/** Why a file-system operation failed, in words. */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOTDIR':
      return 'a path component is a file, not a directory';
    case 'EEXIST':
      return 'it already exists';
    case 'ENOENT':
      return 'a path component does not exist and cannot be created';
    default:
      return (error as Error)?.message ?? String(error);
  }
}

const FS_HINT = "set backup.dir in dbctl.config.ts to a writable directory with free space (or backup: { target: 'database' })";

/** The error when the backup directory cannot be prepared. */
export function directoryFailure(dir: string, error: unknown): DbctlError {
  return new DbctlError('BACKUP_FAILED', `backup directory ${dir} is not writable: ${fsReason(error)}`, { hint: FS_HINT, cause: error });
}

/** Wraps an error raised while copying `table` (e.g. `public.users`, or null) into BACKUP_FAILED; DbctlErrors pass through. */
export function copyFailure(table: string | null, error: unknown, dir: string | null): DbctlError {
  if (isDbctlError(error)) return error;
  const what = table ? ` of ${table}` : '';
  if (error instanceof BackupWriteError) {
    return new DbctlError('BACKUP_FAILED', `backup${what} could not be written to ${dir ?? error.file}: ${fsReason(error.cause)}`, {
      hint: FS_HINT,
      cause: error,
    });
  }
  const code = (error as { code?: string })?.code;
  const message = (error as Error)?.message ?? String(error);
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return new DbctlError('BACKUP_FAILED', `backup${what} failed in the database: ${message}`, {
      hint: 'fix the cause above and run again; nothing of the migration was applied',
      cause: error,
    });
  }
  if (typeof code === 'string' && code.startsWith('E')) {
    return new DbctlError('BACKUP_FAILED', `backup${what} could not be written${dir ? ` to ${dir}` : ''}: ${fsReason(error)}`, {
      hint: FS_HINT,
      cause: error,
    });
  }
  return new DbctlError('BACKUP_FAILED', `backup${what} failed: ${message}`, {
    hint: 'run again with --verbose for details',
    cause: error,
  });
}

/** The error when a written backup does not read back as written. */
export function verifyFailure(what: string, problem: string, error?: unknown): DbctlError {
  return new DbctlError('BACKUP_FAILED', `backup of ${what} could not be verified: ${problem}; the partial backup was removed`, {
    hint: 'check the disk holding backup.dir (space, errors) and run again',
    ...(error !== undefined ? { cause: error } : {}),
  });
}
