/**
 * dbctl's non-interactive `drizzle-kit generate` (see generate.ts for the steps).
 */
export { generateMigration, BREAKPOINT, CUSTOM_SQL } from './generate.js';
export { ambiguityError, RenameAnswers, shellWord } from './renames.js';
export type {
  Ambiguity,
  AppliedRename,
  EntityKind,
  GenerateOptions,
  GenerateResult,
  Journal,
  JournalEntry,
  PrefixMode,
  Snapshot,
  WrittenMigration,
} from './types.js';
