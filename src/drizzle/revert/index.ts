/**
 * The migration that undoes another one's schema changes, from drizzle's snapshots (revert.ts):
 * renames read from its SQL and turned around (renames.ts), a three-way patch for a migration that
 * is not the newest (patch.ts), and the schema code to change back (hints.ts).
 */
export { findMigration, planRevert, writeRevert, type RevertPlan } from './revert.js';
export { renamesIn, reversedAnswers, type SeenRename } from './renames.js';
export { undoChanges, sameJson, type PatchResult } from './patch.js';
export { codeChanges, fileDefining, type SchemaText } from './hints.js';
