/**
 * The backup engine's public surface: take, list, read and restore backups, and the backup
 * `dbctl migrate` takes before a destructive migration.
 */
export { takeBackup, type BackupRequest, type TakeBackupOptions } from './take.js';
export { listBackups, type ListOptions } from './list.js';
export { readManifest, restoreBackup, type RestoreOptions, type RestoreResult, type RestoredObject } from './restore.js';
export { backupBeforeMigration, projectTarget } from './migrate.js';
export { previewBackup, type PreviewItem } from './preview.js';
export { summarize, formatBytes, formatAge, type BackupSummary } from './manifest.js';
export { progressRenderer, type ProgressRenderer } from './progress.js';
export type { BackupManifest, BackupObject, BackupTarget, BackupProgress, ProgressListener, SkippedObject } from './types.js';
