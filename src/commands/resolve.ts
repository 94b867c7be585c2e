/**
 * `dbctl resolve TAG --applied|--rolled-back [--force]`: the resolve operation (`ops/resolve.ts`).
 */
import type { CommandContext } from '../ops/context.js';
import { resolve } from '../ops/resolve.js';
import { renderResolve } from '../render/resolve.js';
import { present } from './present.js';

/** Flags of `dbctl resolve`. */
export interface ResolveOptions {
  args: string[];
  applied?: boolean;
  rolledBack?: boolean;
  /** Records a migration that has no failed record (applied or undone by hand outside dbctl). */
  force?: boolean;
}

/** Runs `dbctl resolve`. */
export async function runResolve(ctx: CommandContext, options: ResolveOptions): Promise<number> {
  const flags = { tag: options.args[0] ?? '', applied: options.applied, rolledBack: options.rolledBack, force: options.force };
  return await present(
    ctx,
    () => resolve(flags, ctx),
    (document, out) => renderResolve(document).forEach((line) => out.info(line)),
  );
}
