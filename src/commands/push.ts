/**
 * `dbctl push [--force]`: the push operation (drizzle-kit push with the production guard first);
 * its lines are printed as it runs, `--json` prints its document. Exit 0, or 3 refused.
 */
import type { CommandContext } from '../ops/context.js';
import { push } from '../ops/push.js';
import { renderPush } from '../render/push.js';
import { present } from './present.js';

export type { PushDocument } from '../render/push.js';

/** Flags of `dbctl push`. */
export interface PushCommandOptions {
  /** `--force`: apply statements that lose data without a confirmation. */
  force?: boolean;
  /** `--rename FROM=TO` (repeatable): answers a rename question, as for generate. */
  rename?: string[];
  /** `--create NAME` (repeatable): NAME is new, not a rename. */
  create?: string[];
}

/** Runs `dbctl push`: 0 applied or nothing to push; 3 refused. */
export async function runPush(ctx: CommandContext, options: PushCommandOptions): Promise<number> {
  const { force, rename, create } = options;
  return await present(ctx, () => push({ force, rename, create }, ctx), renderPush);
}
