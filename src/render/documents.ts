/**
 * The `--json` documents of every command, in one place: what each operation (`src/ops/`, the
 * package's API) resolves to and what `--json` prints. Each is defined beside its text view
 * (`render/<command>.ts`, `backup/render.ts`, `review/types.ts`).
 */
export type { StatusDocument } from './status.js';
export type { MigrateDocument } from './migrate.js';
export type { ResolveDocument } from './resolve.js';
export type { InitDocument } from './init.js';
export type { CheckReport } from './check.js';
export type { ReviewReport } from '../review/types.js';
export type { PushDocument } from './push.js';
export type { DropDocument } from './drop.js';
export type { FixDocument } from './fix.js';
export type { RevertDocument } from './revert.js';
export type { GenerateDocument } from './generate.js';
export type { BackupDocument, BackupsDocument, RestoreDocument } from '../backup/render.js';
