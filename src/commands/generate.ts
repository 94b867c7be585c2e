/**
 * `dbctl generate [--name N] [--custom] [--rename FROM=TO]... [--create NAME]...`: the generate
 * operation, then the new migration's review as text (or the `--json` document). Needs no database.
 */
import type { CommandContext } from '../ops/context.js';
import { generate } from '../ops/generate.js';
import { renderGenerate } from '../render/generate.js';
import { present } from './present.js';

/** Flags of `dbctl generate`. */
export interface GenerateCommandOptions {
  /** `--name N`: the migration's name instead of a random one. */
  name?: string;
  /** `--custom`: an empty migration for hand-written SQL. */
  custom?: boolean;
  /** `--rename FROM=TO` (repeatable): TO is FROM renamed. */
  rename?: string[];
  /** `--create NAME` (repeatable): NAME is new, not a rename. */
  create?: string[];
}

/** Runs `dbctl generate`: 0, or 1 when the review of the new migration has errors. */
export async function runGenerate(ctx: CommandContext, options: GenerateCommandOptions): Promise<number> {
  const { name, custom, rename, create } = options;
  return await present(ctx, () => generate({ name, custom, rename, create }, ctx), renderGenerate);
}
