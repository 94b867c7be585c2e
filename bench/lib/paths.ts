/**
 * Where things are: the repository, the bench folder, the two CLIs under comparison.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bench/ folder. */
export const benchRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The repository root (bin/, node_modules/). */
export const repoRoot = path.resolve(benchRoot, '..');
/** The built dbctl executable. */
export const dbctlBin = path.join(repoRoot, 'bin', 'dbctl.js');
/** drizzle-kit's CLI from the repository's node_modules. */
export const drizzleKitBin = path.join(repoRoot, 'node_modules', 'drizzle-kit', 'bin.cjs');
