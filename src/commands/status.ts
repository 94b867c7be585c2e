import type { CommandContext } from './context.js';

/** dbctl status (placeholder until implemented). */
export async function runStatus(_ctx: CommandContext, _options: unknown): Promise<number> {
  return 0;
}
