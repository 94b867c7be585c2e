/**
 * The `--json` documents of every command, in one place: what each operation (`src/ops/`, the
 * package's API) resolves to and what `--json` prints. Each is defined beside its text view
 * (`render/<command>.ts`) or here.
 */
export type { StatusDocument } from './status.js';
export type { MigrateDocument } from './migrate.js';
export type { ResolveDocument } from './resolve.js';
export type { InitDocument } from './init.js';
export type { CheckReport } from './check.js';
export type { ReviewReport } from '../review/types.js';
export type { PushDocument } from '../commands/push.js';
export type { DropDocument } from './drop.js';
export type { FixDocument } from '../commands/fix.js';
export type { RevertDocument } from '../commands/revert.js';

export type { BackupDocument, BackupsDocument, RestoreDocument } from '../backup/render.js';
/** `generate()`'s document. */
export interface GenerateDocument {
  /** The migration written; null when the schema had no changes. */
  migration: { tag: string; idx: number; file: string; snapshot: string; journal: string | null; custom: boolean; statements: number } | null;
  renames: import('../drizzle/generate/types.js').AppliedRename[];
  /** The new migration's review; null when nothing was written. */
  review: import('../review/types.js').ReviewReport | null;
}
