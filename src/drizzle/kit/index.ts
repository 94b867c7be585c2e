/**
 * The one adapter between dbctl and drizzle-kit: which drizzle-kit is installed (version, line),
 * its 0.31 internals in one shape whatever 0.31.x they came from, and drizzle-kit 1.0's CLI and
 * folder format. Everything dbctl reads from drizzle-kit goes through here.
 */
export { loadKit, resolveDrizzleKit, type InstalledKit } from './load.js';
export { kitLine, shapeOf, SUPPORTED_KITS, type KitLine, type KitShape } from './versions.js';
