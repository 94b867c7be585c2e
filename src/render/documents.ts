/**
 * The `--json` documents of every command, in one place: what each operation (`src/ops/`, the
 * package's API) resolves to and what `--json` prints. Each is defined beside its text view
 * (`render/<command>.ts`) or here.
 */
export type { StatusDocument } from './status.js';
export type { MigrateDocument } from './migrate.js';
export type { CheckReport } from './check.js';
export type { ReviewReport } from '../review/types.js';
export type { PushDocument } from './push.js';
export type { DropDocument } from '../commands/drop.js';
export type { FixDocument } from './fix.js';
export type { RevertDocument } from './revert.js';
export type { GenerateDocument } from './generate.js';

/** `backup()`'s document. */
export type BackupDocument = ReturnType<typeof import('../backup/render.js').backupDocument>;
/** `backups()`'s document. */
export type BackupsDocument = ReturnType<typeof import('../backup/render.js').backupsDocument>;
/** `restore()`'s document. */
export type RestoreDocument = ReturnType<typeof import('../backup/render.js').restoreDocument>;
/** `resolve()`'s document. */
export interface ResolveDocument {
  env: string;
  tag: string;
  resolved: 'applied' | 'rolled-back';
}
