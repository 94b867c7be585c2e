/**
 * The one shape of a command: run its operation with the CLI's context, then print the document it
 * resolved to (`--json`: the document; else the text renderer's lines) and return the exit code.
 */
import { ExitCode, isDbctlError } from '../errors.js';
import type { Output } from '../io/output.js';
import type { CommandContext } from '../ops/context.js';

/**
 * Runs `operation` and prints its document, also when it rejects with one (`DbctlError.document`):
 * a `reported` rejection (the document tells it all) returns its exit code; any other is rethrown
 * for `cli.ts` to print.
 */
export async function present<Document>(
  ctx: CommandContext,
  operation: () => Promise<Document>,
  text: (document: Document, out: Output) => void,
): Promise<number> {
  return await presentFormat(operation, (document) => (ctx.out.json ? ctx.out.writeJson(document) : text(document, ctx.out)));
}

/**
 * For a command that prints its document in a chosen format (review, check): runs `operation` and
 * hands its document, also a rejection's, to `write`; a `reported` rejection returns its exit code,
 * any other is rethrown for `cli.ts` to print.
 */
export async function presentFormat<Document>(operation: () => Promise<Document>, write: (document: Document) => void): Promise<number> {
  try {
    write(await operation());
    return ExitCode.ok;
  } catch (error) {
    if (isDbctlError(error) && error.document !== undefined) {
      write(error.document as Document);
      if (error.reported) return error.exitCode;
    }
    throw error;
  }
}
