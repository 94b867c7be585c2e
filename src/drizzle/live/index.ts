/**
 * dbctl against the live database and the schema in code, through drizzle-kit's own introspection
 * and diff: introspection (introspect.ts), the diff with non-interactive rename answers (diff.ts),
 * drift and "schema in code vs newest snapshot" (drift.ts), push (push.ts), the fix-forward
 * migration (fix.ts), and writing a migration computed outside generate (write-migration.ts).
 * Drift as `check` and `fix` judge it: the applied migrations replayed into a scratch database
 * (replay.ts, replayed.ts) and compared with the live schema by the same introspection
 * (compare.ts, catalog-extras.ts).
 */
export {
  introspect,
  introspectLive,
  introspectWith,
  introspectedSchemas,
  kitDb,
  readOnly,
  schemasOf,
  tableFilter,
  withTableFilter,
  OWN_SCHEMAS,
  type IntrospectOptions,
  type KitDb,
  type LiveFacts,
  type LiveSchema,
  type PgSnapshot,
} from './introspect.js';
export { diffLive, diffSnapshots, type DiffAnswers, type SnapshotDiff } from './diff.js';
export { alignLive, canonicalDefault, canonicalType, sameDefault } from './align.js';
export { codeSchema, codeSnapshot, emptySnapshot, newestSnapshot, snapshotOfMigration, snapshotPathOf, type CodeSchema } from './code.js';
export { describeDifferences, type KitStatement, type Sides } from './describe.js';
export { detectDrift, schemaDiffersFromSnapshot, type DriftResult, type SchemaVsSnapshot } from './drift.js';
export { planPush, applyPush, type PushPlan } from './push.js';
export { planFix, planReplayedFix, writeFix, type FixPlan, type ReplayedFixPlan } from './fix.js';
export { compareLiveWithReplay, compareReadings, readSide, type ReplayComparison, type SchemaReading } from './compare.js';
export { replayMigrations, readExtensions, type ReplayResult } from './replay.js';
export { withReplay, appliedOrder, type Replayed } from './replayed.js';
export { writeMigration, type MigrationToWrite } from './write-migration.js';
