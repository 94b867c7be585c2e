/**
 * `dbctl revert TAG [--name N]`: the revert operation (a new migration undoing TAG's schema
 * changes); its lines are printed as it runs, `--json` prints its document. Needs no database.
 */
import type { CommandContext } from '../ops/context.js';
import { revert } from '../ops/revert.js';
import { renderRevert } from '../render/revert.js';
import { present } from './present.js';

export type { RevertDocument, RevertBackup } from '../render/revert.js';

/** Flags and arguments of `dbctl revert`. */
export interface RevertCommandOptions {
  /** `[TAG]`: the migration to undo. */
  args?: string[];
  /** `--name N`: the new migration's name (default `revert_<TAG>`). */
  name?: string;
}

/** Runs `dbctl revert`: 0 (written, or nothing to undo); exit 2 for an unknown TAG. */
export async function runRevert(ctx: CommandContext, options: RevertCommandOptions): Promise<number> {
  return await present(ctx, () => revert({ tag: options.args?.[0] ?? '', name: options.name }, ctx), renderRevert);
}
