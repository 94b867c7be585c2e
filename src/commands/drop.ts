/**
 * `dbctl drop [TAG]`: the drop operation (`ops/drop.ts`).
 */
import type { CommandContext } from '../ops/context.js';
import { drop } from '../ops/drop.js';
import { renderDrop } from '../render/drop.js';
import { present } from './present.js';

/** Flags and arguments of `dbctl drop`. */
export interface DropOptions {
  args?: string[];
}

/** Runs `dbctl drop`: 0 dropped; 1 applied in an environment (nothing removed). */
export async function runDrop(ctx: CommandContext, options: DropOptions): Promise<number> {
  const tag = options.args?.[0];
  return await present(
    ctx,
    () => drop(tag === undefined ? {} : { tag }, ctx),
    (document, out) => renderDrop(document).forEach((line) => out.info(line)),
  );
}
