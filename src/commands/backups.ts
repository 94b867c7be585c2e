/**
 * `dbctl backups`: the backups operation (`ops/backups.ts`): a table (id, env, tag, objects, rows,
 * size, age), `--json` an array. Exit 0.
 */
import { renderBackups } from '../backup/render.js';
import { listedBackups } from '../ops/backups.js';
import type { CommandContext } from '../ops/context.js';
import { present } from './present.js';

/** Runs `dbctl backups`. */
export async function runBackups(ctx: CommandContext, _options: unknown): Promise<number> {
  let where = '';
  const list = async () => {
    const listed = await listedBackups({}, ctx);
    where = listed.where;
    return listed.document;
  };
  return await present(ctx, list, (document, out) => renderBackups(document, where).forEach((line) => out.info(line)));
}
