import type { CommandContext } from './context.js';

/** dbctl migrate (placeholder until implemented). */
export async function runMigrate(_ctx: CommandContext, _options: unknown): Promise<number> {
  return 0;
}
