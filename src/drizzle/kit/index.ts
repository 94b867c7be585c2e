/**
 * The one adapter between dbctl and drizzle-kit: which drizzle-kit is installed (version, line),
 * its 0.31 internals in one shape whatever 0.31.x they came from, and drizzle-kit 1.0's CLI and
 * folder format. Everything dbctl reads from drizzle-kit goes through here; the catalog batching
 * that answers 0.31's introspection queries (catalog-batch.ts) lives here too.
 */
export { loadKit, resolveDrizzleKit, type InstalledKit } from './load.js';
export { kitLine, shapeOf, SUPPORTED_KITS, type KitLine, type KitShape } from './versions.js';
export type { KitDb } from './db.js';
