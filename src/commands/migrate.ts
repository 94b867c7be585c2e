/**
 * `dbctl migrate`: the migrate operation (`ops/migrate.ts`) with the CLI's flags; its text streams
 * while it runs, `--json` prints its document.
 */
import { isDbctlError } from '../errors.js';
import type { CommandContext } from '../ops/context.js';
import { migrate } from '../ops/migrate.js';
import type { MigrateOptions as MigrateOpOptions } from '../ops/options.js';
import { renderMigrate } from '../render/migrate.js';
import { present } from './present.js';

/** Flags of `dbctl migrate`, as commander gives them. */
export interface MigrateOptions {
  to?: string;
  dryRun?: boolean;
  allowDestructive?: boolean;
  backup?: boolean;
  wait?: string;
  lockTimeout?: string;
  statementTimeout?: string;
  waitForDb?: string;
  /** `--backup-extra`: tables/columns (`schema.table[.column]`, comma-separated) backed up before the first migration of the run. */
  backupExtra?: string;
}

/** Runs `dbctl migrate` and returns its exit code. */
export async function runMigrate(ctx: CommandContext, options: MigrateOptions): Promise<number> {
  const { to, dryRun, allowDestructive, backup, wait, lockTimeout, statementTimeout, waitForDb, backupExtra } = options;
  const flags: MigrateOpOptions = { to, dryRun, allowDestructive, backup, wait, lockTimeout, statementTimeout, waitForDb, backupExtra };
  try {
    return await present(
      ctx,
      () => migrate(flags, ctx),
      (document, out) => renderMigrate(document).forEach((line) => out.info(line)),
    );
  } catch (error) {
    // anything unexpected still leaves the document a script waits for
    const document = (error as { document?: unknown } | null)?.document;
    if (ctx.out.json && !ctx.out.jsonWritten && document !== undefined && !isDbctlError(error)) ctx.out.writeJson(document);
    throw error;
  }
}
