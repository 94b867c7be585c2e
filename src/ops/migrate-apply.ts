/**
 * `migrate`'s apply steps, loaded only when the one read found something to do: take the lock,
 * read the history again under it, judge the plan against the live database, apply each migration
 * (with its backup), and turn the engine's result into the document or the failure.
 */
import postgres from 'postgres';
import { describeDestroyed } from '../core/destroyed.js';
import { selectPending } from '../core/plan.js';
import type { LocalMigration } from '../drizzle/folder.js';
import { DbctlError } from '../errors.js';
import type { ApplyFailure, ApplyItem, ApplyResult } from '../io/apply.js';
import { driverOptions, type Database } from '../io/db.js';
import { backupName, describeDestruction } from '../io/destruction.js';
import { ensureHistoryTables, type HistoryTables } from '../io/history.js';
import { acquireMigrationLock, releaseMigrationLock, type HeldLock } from '../io/lock.js';
import { enforce } from '../io/prompt.js';
import { appliedSummary, createMigrateReporter, failureLines, keptApplied } from '../render/migrate.js';
import { DBCTL_VERSION } from '../version.js';
import type { MigrateRun } from './migrate.js';
import {
  analyzePending,
  destructiveGuard,
  parseBackupExtra,
  refuseInconsistentHistory,
  refuseOwnTransactionControl,
  visibleModifies,
  whatRan,
  type Analysis,
} from './migrate-plan.js';
import { outcome, throwIfAborted } from './run.js';
import { environmentLabel, lockScope, readStatus } from './shared.js';

/**
 * Everything after "something to do": the lock (waiting up to `--wait`, stopping at once when the
 * caller aborts), the history read again under it, the guards, then the apply. The lock and the
 * monitor connection are released on every path.
 */
export async function applyUnderLock(run: MigrateRun, db: Database, tables: HistoryTables): Promise<void> {
  const { ctx, environment, settings, session } = run;
  const scope = lockScope(tables);
  let lock: HeldLock | undefined;
  const monitor: { sql?: postgres.Sql } = {};
  try {
    lock = await acquireMigrationLock(db.sql, scope, {
      waitMs: settings.waitMs,
      onWaiting: (holder) =>
        ctx.out.info(`waiting for the migration lock held by ${holder} (up to ${Math.round(settings.waitMs / 1000)}s)`),
      // a second client proves the connection is a session of its own (not a transaction pooler)
      connectionClosed: () => session.closed,
      openProbe: () => postgres(driverOptions(environment.connection, { max: 1, application: 'dbctl migrate (probe)', idleTimeoutS: 0 })),
      signal: ctx.signal,
      stopIfAborted: () => throwIfAborted(ctx.signal),
    });
    await ensureHistoryTables(db.sql, tables, run.folder);
    const analyses = await pendingUnderLock(run, db, tables);
    if (analyses.length === 0) return;
    await applyPending(run, db, tables, lock, analyses, monitor);
  } finally {
    // released on every path: through a pooler a lock left on a server connection outlives the run
    if (lock) await releaseMigrationLock(db.sql, lock).catch(() => {});
    await monitor.sql?.end({ timeout: 1 }).catch(() => {});
  }
}

/** The pending migrations as read under the lock, analysed; refuses an inconsistent history or transaction control. */
async function pendingUnderLock(run: MigrateRun, db: Database, tables: HistoryTables): Promise<Analysis[]> {
  const { ctx, options, folder, document, environment } = run;
  const status = await readStatus(db.sql, folder, tables);
  const failed = status.migrations.find((m) => m.state === 'failed');
  refuseInconsistentHistory(run, status, failed ? await whatRan(db.sql, failed.migration) : []);
  const pending = selectPending(status, options.to) ?? [];
  document.pending = pending.map((p) => p.migration.tag);
  if (pending.length === 0) {
    document.status = 'nothing-pending';
    ctx.out.info(`${environmentLabel(environment)}: nothing pending`);
    return [];
  }
  const analyses = await analyzePending(pending, folder.migrations);
  refuseOwnTransactionControl(run, analyses);
  return analyses;
}

/**
 * Judges the plan against the live database (the protected-environment guard), then applies each
 * migration, backing up what it destroys first; a stop between migrations (`signal`) keeps what
 * was applied.
 */
async function applyPending(
  run: MigrateRun,
  db: Database,
  tables: HistoryTables,
  lock: HeldLock,
  analyses: Analysis[],
  monitor: { sql?: postgres.Sql },
): Promise<void> {
  const { ctx, options, environment, project, settings } = run;
  const out = ctx.out;
  const extra = parseBackupExtra(options.backupExtra);
  const { resolveLive, resolveTables } = await import('../io/destruction-live.js');
  // the guard judges what holds rows now; objects created later in the run are judged when their migration runs
  const live = await Promise.all(
    analyses.map(async ({ planned, chunks }, i) => {
      const destroys = chunks.flatMap((c) => c.destroys);
      const resolved = await resolveLive(db.sql, [...(i === 0 ? extra : []), ...destroys]);
      // a statement dbctl cannot see into counts as destructive: a protected environment must allow it
      // (PostgreSQL's pre-commit check still rolls back whatever it destroys that no backup holds)
      const opaque = destroys.filter((d) => d.kind === 'opaque');
      return { tag: planned.migration.tag, objects: [...resolved.holding, ...opaque].map(describeDestroyed) };
    }),
  );
  const decision = destructiveGuard(
    run,
    live.filter((l) => l.objects.length > 0),
  );
  await enforce(decision);
  const confirmed = decision.action !== 'allow' || Boolean(options.allowDestructive) || ctx.globals.yes;
  const items: ApplyItem[] = analyses.map(({ planned, chunks }) => ({ planned, execution: chunks }));
  // what a backup can hold: an opaque statement names nothing to copy (the pre-commit check judges it)
  const destroyedBy = new Map(
    analyses.map(({ planned, chunks }, i) => [
      planned.migration.tag,
      [...(i === 0 ? extra : []), ...chunks.flatMap((c) => c.destroys).filter((d) => d.kind !== 'opaque')],
    ]),
  );
  const modifiesBy = new Map(analyses.map(({ planned, chunks }) => [planned.migration.tag, visibleModifies(chunks)]));
  out.info(`${environmentLabel(environment)}: applying ${items.length} migration${items.length === 1 ? '' : 's'}`);
  const reporter = createMigrateReporter(out);
  const { applyMigrations } = await import('../io/apply.js');
  const result = await applyMigrations(db.sql, items, {
    tables,
    lockScope: lockScope(tables),
    lock,
    envName: environment.name,
    lockTimeoutMs: settings.lockTimeoutMs,
    statementTimeoutMs: settings.statementTimeoutMs,
    lockRetries: project.migrate.lockRetries,
    hostname: ctx.env.DBCTL_HOSTNAME ?? '',
    dbctlVersion: DBCTL_VERSION,
    pid: db.pid,
    openMonitor: () =>
      (monitor.sql ??= postgres(
        driverOptions(environment.connection, { max: 1, application: 'dbctl migrate (monitor)', idleTimeoutS: 0 }),
      )),
    onEvent: reporter.onEvent,
    // the caller's cancellation: a safe point before each migration
    beforeEach: () => throwIfAborted(ctx.signal),
    // DBCTL_PRECOMMIT_CHECK=off turns the pre-commit check off (benchmarks; a false alarm while it is reported)
    precommitCheck: ctx.env.DBCTL_PRECOMMIT_CHECK !== 'off',
    ownTables: [`${tables.drizzleSchema}.${tables.drizzleTable}`, `${tables.historySchema}.migration_history`],
    backup: async (migration, gained) => {
      const { emptyAllowance } = await import('../io/destruction.js');
      const destroyed = destroyedBy.get(migration.tag) ?? [];
      const resolved = await resolveLive(db.sql, destroyed);
      for (const g of gained) {
        // judged empty, then written to before the transaction locked it: back it up whole
        resolved.empty = resolved.empty.filter((e) => e.schema !== g.schema || e.table !== g.table);
        if (!resolved.holding.some((h) => h.schema === g.schema && h.table === g.table && h.kind !== 'column')) {
          resolved.holding.push({ kind: 'table', schema: g.schema, table: g.table, reason: 'gained rows before the migration locked it' });
        }
      }
      if (resolved.holding.length && environment.protected && !confirmed) {
        throw new DbctlError(
          'REFUSED',
          `${migration.tag} destroys data on the protected environment "${environment.name}": ${resolved.holding.map(describeDestroyed).join(', ')}`,
          {
            hint: `these rows were written during this run; review them and run \`dbctl migrate --env ${environment.name} --allow-destructive\` (a backup is taken first)`,
          },
        );
      }
      let allowance = emptyAllowance();
      let backupId: string | null = null;
      if (resolved.holding.length && options.backup !== false) {
        const { backupForMigration } = await import('../backup/migrate.js');
        const taken = await backupForMigration(db.sql, resolved.holding, { tag: migration.tag, envName: environment.name, project, out });
        backupId = taken.id;
        allowance = taken.allowance;
      } else if (options.backup === false) {
        for (const name of resolved.planned) allowance.plannedWithoutBackup.add(name);
      }
      for (const m of await resolveTables(db.sql, modifiesBy.get(migration.tag) ?? [])) allowance.modifies.add(m);
      return { backupId, allowance, emptyTables: resolved.empty };
    },
  }).finally(() => reporter.done());
  finish(run, result);
}

/**
 * The engine's result into the document: every migration applied is `ok`; a failure is reported
 * (its lines on stderr) and rejects with the document (exit 1), or as UNPLANNED_DESTRUCTION.
 */
function finish(run: MigrateRun, result: ApplyResult): void {
  const { ctx, document } = run;
  document.applied = result.applied;
  document.pending = result.remaining;
  if (!result.failure) {
    document.status = 'ok';
    ctx.out.info(appliedSummary(document));
    return;
  }
  const failure = result.failure;
  document.status = 'failed';
  if (failure.connectionLost) {
    finishLost(run, failure);
  } else {
    document.error = { tag: failure.tag, statement: failure.statement || null, message: ctx.out.redact(failure.message) };
    if (failure.unplanned) throw unplannedDestruction(run, failure, result.applied.length);
    const migration = run.folder.migrations.find((m) => m.tag === failure.tag) as LocalMigration;
    for (const line of failureLines(failure, migration, result.applied.length)) ctx.out.warn(line);
  }
  throw outcome('migrate', 1, document);
}

/** A migration whose connection was lost: one line saying what happened to it and what to run. */
function finishLost(run: MigrateRun, failure: ApplyFailure): void {
  const { ctx, document } = run;
  const lost = failure.connectionLost!;
  const what = lost.committed
    ? `${failure.tag} was applied (it committed before the connection dropped)`
    : failure.partial
      ? `${failure.tag} stopped part-way (a statement outside a transaction may have run)`
      : lost.committed === false
        ? `${failure.tag} was rolled back, nothing of it is applied`
        : `${failure.tag} was not committed as far as dbctl can tell (the database is still out of reach)`;
  const history = lost.recorded ? '; the history records the attempt' : lost.committed === null ? '; the history could not be updated' : '';
  const message = `lost the connection to the database while applying ${failure.tag}: ${lost.reason}; ${what}${history}`;
  document.error = { tag: failure.tag, statement: failure.statement || null, message: ctx.out.redact(message), code: 'CONNECTION_LOST' };
  ctx.out.warn(`error: ${ctx.out.redact(message)}`);
  ctx.out.warn(
    failure.partial && !lost.committed
      ? `hint: check the database, then \`dbctl resolve ${failure.tag} --applied\` or \`--rolled-back\`, and run \`dbctl migrate\` again`
      : 'hint: run `dbctl migrate` again to finish; `dbctl status` shows where it stands',
  );
}

/**
 * UNPLANNED_DESTRUCTION: what PostgreSQL saw destroyed, the statement, and the command that runs the
 * migration again with the backup it needs.
 */
function unplannedDestruction(run: MigrateRun, failure: ApplyFailure, appliedBefore: number): DbctlError {
  const { ctx, environment } = run;
  const list = failure.unplanned ?? [];
  const kept = keptApplied(appliedBefore);
  const extra = [...new Set(list.map(backupName))].join(',');
  const flags = `--env ${environment.name} --to ${failure.tag} --backup-extra ${extra}${environment.protected ? ' --allow-destructive' : ''}`;
  return new DbctlError(
    'UNPLANNED_DESTRUCTION',
    `${failure.tag} was rolled back before commit (UNPLANNED_DESTRUCTION): PostgreSQL reports it destroys data that the plan did not list and no verified backup holds (statement ${failure.statementIndex + 1}, line ${failure.line} of ${failure.relativeFile}); nothing of it was applied${kept}`,
    {
      details: [
        ...list.map((d) => `  - ${describeDestruction(d)}`),
        `  statement: ${ctx.out.redact(failure.statement.split('\n')[0]!.slice(0, 200))}`,
      ],
      hint: environment.protected
        ? `if that loss is intended, review it and run \`dbctl migrate ${flags}\` (backs those up first, then applies)`
        : `if that loss is intended, run \`dbctl migrate ${flags}\` (backs those up first, then applies)`,
    },
  );
}
