import type { CommandContext } from './context.js';

/** dbctl resolve (placeholder until implemented). */
export async function runResolve(_ctx: CommandContext, _options: unknown): Promise<number> {
  return 0;
}
