/**
 * `resolve`: after a migration stopped part-way and someone repaired the database by hand, records
 * what is now true so `migrate` can go on. `applied` writes drizzle's row (as if migrate had
 * finished it); `rolledBack` makes it pending again. Under the migration lock.
 */
import { DbctlError } from '../errors.js';
import { connect } from '../io/db.js';
import { ensureHistoryTables, recordApplied, recordHistory, type HistoryRecord } from '../io/history.js';
import { acquireMigrationLock, lockKeys, lockNotHeld, releaseMigrationLock } from '../io/lock.js';
import type { ResolveDocument } from '../render/resolve.js';
import { DBCTL_VERSION } from '../version.js';
import type { CommandContext } from './context.js';
import type { ResolveOptions } from './options.js';
import { opContext, throwIfAborted } from './run.js';
import { environmentLabel, historyTables, lockScope, openFolder, openProject, readStatus, targetEnvironment } from './shared.js';

/** Records the failed migration `options.tag` as applied or rolled back; exactly one of the two. */
export async function resolve(options: ResolveOptions, given?: CommandContext): Promise<ResolveDocument> {
  const ctx = await opContext(options, given);
  const tag = options.tag;
  if (!tag || Boolean(options.applied) === Boolean(options.rolledBack)) {
    throw new DbctlError('USAGE', 'say what happened to the migration: --applied or --rolled-back (exactly one)', {
      hint: 'e.g. `dbctl resolve 0004_add_index --rolled-back`',
    });
  }
  const project = await openProject(ctx);
  const environment = targetEnvironment(ctx, project);
  const folder = await openFolder(project);
  const migration = folder.migrations.find((m) => m.tag === tag);
  if (!migration) {
    throw new DbctlError('UNKNOWN_MIGRATION', `no migration ${tag} in ${project.drizzle.outRelative}`, {
      hint: 'run `dbctl status` to list the migrations',
    });
  }
  const tables = historyTables(project, ctx.out);
  throwIfAborted(ctx.signal);
  const db = await connect(environment, { envName: environment.name, application: 'dbctl resolve' });
  try {
    await acquireMigrationLock(db.sql, lockScope(tables), {
      waitMs: project.migrate.waitMs,
      signal: ctx.signal,
      stopIfAborted: () => throwIfAborted(ctx.signal),
    });
    await ensureHistoryTables(db.sql, tables, folder);
    const status = await readStatus(db.sql, folder, tables);
    const entry = status.migrations.find((m) => m.migration.tag === tag)!;
    if (entry.state === 'applied' || entry.state === 'modified' || entry.state === 'cosmetic') {
      throw new DbctlError('USAGE', `${tag} is already recorded as applied in ${environment.name}; there is nothing to resolve`, {
        hint: 'run `dbctl status` to see what needs attention',
      });
    }
    if (entry.state === 'pending' && options.applied && !options.force) {
      throw new DbctlError(
        'USAGE',
        `${tag} has no failed record in ${environment.name}: it never ran (or was rolled back), so recording it as applied would skip its SQL`,
        {
          hint: `run \`dbctl migrate\` to apply it; if you really applied it by hand, \`dbctl resolve ${tag} --applied --force\``,
        },
      );
    }
    if (entry.state === 'pending' && options.rolledBack) {
      throw new DbctlError('USAGE', `${tag} is pending, not failed, in ${environment.name}; there is nothing to roll back`, {
        hint: 'run `dbctl migrate` to apply it',
      });
    }
    const record: HistoryRecord = {
      tag,
      hash: migration.hash,
      createdAt: migration.when,
      outcome: options.applied ? 'resolved-applied' : 'resolved-rolled-back',
      outOfOrder: entry.outOfOrder,
      startedAt: new Date(),
      durationMs: null,
      statementsTotal: migration.statements.length,
      statementsDone: null,
      error: null,
      backupId: null,
      env: environment.name,
      dbctlVersion: DBCTL_VERSION,
      hostname: ctx.env.DBCTL_HOSTNAME ?? '',
    };
    if (options.applied) {
      await db.sql.begin(async (tx) => {
        if (!(await recordApplied(tx, tables, record, lockKeys(lockScope(tables))))) throw lockNotHeld();
      });
    } else await recordHistory(db.sql, tables, record);
    await releaseMigrationLock(db.sql, lockScope(tables));
    return { env: environment.name, target: environmentLabel(environment), tag, resolved: options.applied ? 'applied' : 'rolled-back' };
  } finally {
    await db.close();
  }
}
