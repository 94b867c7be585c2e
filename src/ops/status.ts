/**
 * `status`: where every migration stands in the environment: applied, pending (and out of order),
 * failed part-way, modified since applied, and unknown rows in the database. Read-only.
 */
import { summarize } from '../core/plan.js';
import { connect } from '../io/db.js';
import { statusDocument, type StatusDocument } from '../render/status.js';
import type { CommandContext } from './context.js';
import type { BaseOptions } from './options.js';
import { opContext, outcome, throwIfAborted } from './run.js';
import { environmentLabel, historyTables, noteUnlisted, openFolder, openProject, readStatus, targetEnvironment } from './shared.js';

/** Reads the environment's status; rejects (exit 1, `reported`) when anything is failed, modified or unknown. */
export async function status(options: BaseOptions = {}, given?: CommandContext): Promise<StatusDocument> {
  const ctx = await opContext(options, given);
  const project = await openProject(ctx);
  const environment = targetEnvironment(ctx, project);
  const folder = await openFolder(project);
  noteUnlisted(ctx, project, folder);
  throwIfAborted(ctx.signal);
  const db = await connect(environment, { envName: environment.name, application: 'dbctl status' });
  try {
    const found = await readStatus(db.sql, folder, historyTables(project));
    const document = statusDocument(environment.name, environmentLabel(environment), found);
    const elsewhere = await (
      await import('../io/recorded-elsewhere.js')
    ).recordedElsewhere(db.sql, historyTables(project), found, environment.name);
    if (elsewhere) ctx.out.warn(elsewhere);
    const counts = summarize(found);
    if (counts.failed + counts.modified + counts.unknown > 0) throw outcome('status', 1, document);
    return document;
  } finally {
    await db.close();
  }
}
