/**
 * `dbctl backup [--tables a,b]`: the backup operation (`ops/backup.ts`). Exit 0.
 */
import { renderBackup } from '../backup/render.js';
import type { CommandContext } from '../ops/context.js';
import { backup } from '../ops/backup.js';
import { present } from './present.js';

/** Options of `dbctl backup`. */
export interface BackupCommandOptions {
  /** `--tables a,b,schema.c` */
  tables?: string;
}

/** Runs `dbctl backup`. */
export async function runBackup(ctx: CommandContext, options: BackupCommandOptions): Promise<number> {
  return await present(
    ctx,
    () => backup({ tables: options.tables }, ctx),
    (document, out) => renderBackup(document).forEach((line) => out.info(line)),
  );
}
