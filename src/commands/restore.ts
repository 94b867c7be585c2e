/**
 * `dbctl restore ID [--tables a,b] [--into-schema S] [--overwrite] [--allow-restore]`: the restore
 * operation (`ops/restore.ts`).
 */
import { renderRestore } from '../backup/render.js';
import type { CommandContext } from '../ops/context.js';
import { restore } from '../ops/restore.js';
import { present } from './present.js';

/** Options of `dbctl restore`. */
export interface RestoreCommandOptions {
  /** `[id]` */
  args?: string[];
  /** `--tables a,b,schema.c` */
  tables?: string;
  /** `--into-schema S` */
  intoSchema?: string;
  /** `--allow-restore` */
  allowRestore?: boolean;
  /** `--overwrite`: replace values written since the backup (otherwise such a conflict is exit 1) */
  overwrite?: boolean;
}

/** Runs `dbctl restore`. */
export async function runRestore(ctx: CommandContext, options: RestoreCommandOptions): Promise<number> {
  const { tables, intoSchema, allowRestore, overwrite } = options;
  const flags = { id: options.args?.[0] ?? '', tables, intoSchema, allowRestore, overwrite };
  return await present(
    ctx,
    () => restore(flags, ctx),
    (document, out) => renderRestore(document).forEach((line) => out.info(line)),
  );
}
