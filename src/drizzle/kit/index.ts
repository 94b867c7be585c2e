/**
 * The one adapter between dbctl and drizzle-kit: which drizzle-kit is installed (resolve.ts,
 * versions.ts), its 0.31 internals in one shape whatever 0.31.x they came from (load.ts, with the
 * catalog batching that answers 0.31's introspection queries, catalog-batch.ts), and drizzle-kit
 * 1.0: its CLI for generate (cli-v1.ts, schema-check.ts, ask-v1.ts for the terminal's questions)
 * and its `api-postgres` (api-v1.ts) for push (push-v1.ts), drift and fix (drift-v1.ts), revert
 * (revert-v1.ts) and writing a fix in its folder format (write-v1.ts); check's schema-vs-sql on
 * either line (schema-vs-sql.ts); why its snapshot schema rejected a file (snapshot-issue.ts). Everything dbctl reads from
 * drizzle-kit goes through here; the *-v1.ts files are loaded only on 1.0.
 */
export { loadKit, resolveDrizzleKit, type InstalledKit } from './load.js';
export { kitLine, shapeOf, SUPPORTED_KITS, type KitLine, type KitShape } from './versions.js';
export type { KitDb } from './db.js';
export { firstSnapshotIssue, type SchemaIssues } from './snapshot-issue.js';
