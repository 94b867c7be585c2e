/**
 * `dbctl status`: where every migration stands in the environment: applied, pending (and out of
 * order), failed part-way, modified since applied, and unknown rows in the database. Read-only.
 */
import { summarize } from '../core/plan.js';
import { ExitCode } from '../errors.js';
import { connect } from '../io/db.js';
import { renderStatus, statusDocument } from '../render/status.js';
import type { CommandContext } from './context.js';
import { environmentLabel, historyTables, openFolder, openProject, readStatus, targetEnvironment } from './shared.js';

/** Runs `dbctl status`; exit 1 when anything is failed, modified or unknown. */
export async function runStatus(ctx: CommandContext, _options: unknown): Promise<number> {
  const project = await openProject(ctx);
  const environment = targetEnvironment(ctx, project);
  const folder = await openFolder(project);
  const db = await connect(environment, { envName: environment.name, application: 'dbctl status' });
  try {
    const status = await readStatus(db.sql, folder, historyTables(project));
    const counts = summarize(status);
    if (ctx.out.json) ctx.out.writeJson(statusDocument(environment.name, status));
    else for (const line of renderStatus(environmentLabel(environment), status)) ctx.out.info(line);
    const elsewhere = await (await import('../io/recorded-elsewhere.js')).recordedElsewhere(db.sql, historyTables(project), status, environment.name);
    if (elsewhere) ctx.out.warn(elsewhere);
    return counts.failed + counts.modified + counts.unknown > 0 ? ExitCode.failure : ExitCode.ok;
  } finally {
    await db.close();
  }
}
