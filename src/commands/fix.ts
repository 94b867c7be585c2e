/**
 * `dbctl fix [--name N]`: the fix operation (a fix-forward migration taking the environment's
 * database to what its applied migrations produce); its lines are printed as it runs, `--json`
 * prints its document. Exit 0 (a migration written, or nothing to fix).
 */
import type { CommandContext } from '../ops/context.js';
import { fix } from '../ops/fix.js';
import { renderFix } from '../render/fix.js';
import { present } from './present.js';

export type { FixDocument } from '../render/fix.js';

/** Flags of `dbctl fix`. */
export interface FixCommandOptions {
  /** `--name N`: the migration's name (default `fix_<env>`). */
  name?: string;
  /** `--rename FROM=TO` (repeatable): answers a rename question, as for generate. */
  rename?: string[];
  /** `--create NAME` (repeatable): NAME is new, not a rename. */
  create?: string[];
}

/** Runs `dbctl fix`: 0 (a migration written, or nothing to fix). */
export async function runFix(ctx: CommandContext, options: FixCommandOptions): Promise<number> {
  const { name, rename, create } = options;
  return await present(ctx, () => fix({ name, rename, create }, ctx), renderFix);
}
