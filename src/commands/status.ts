/**
 * `dbctl status`: the status operation, printed as a table or as its `--json` document.
 */
import { status } from '../ops/status.js';
import type { CommandContext } from '../ops/context.js';
import { renderStatus } from '../render/status.js';
import { present } from './present.js';

/** Runs `dbctl status`; exit 1 when anything is failed, modified or unknown. */
export async function runStatus(ctx: CommandContext, _options: unknown): Promise<number> {
  return await present(
    ctx,
    () => status({}, ctx),
    (document, out) => renderStatus(document).forEach((line) => out.info(line)),
  );
}
