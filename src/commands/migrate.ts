/**
 * `dbctl migrate`: applies pending migrations under the migration lock, after verifying the
 * applied ones, each in its own transaction, recording every outcome. See the contract's
 * migrate section; the engine is `io/apply.ts`, the decisions are in `core/`.
 */
import postgres from 'postgres';
import type { AnalyzedChunk } from '../core/analyze.js';
import { describeDestroyed } from '../core/destroyed.js';
import { guardDestructiveMigrations, type GuardDecision } from '../core/guards.js';
import { enforce } from '../io/prompt.js';
import { parseDuration } from '../core/duration.js';
import { selectPending, type MigrationStatus } from '../core/plan.js';
import type { ProjectConfig, ResolvedEnvironment } from '../config/types.js';
import { DbctlError, ExitCode } from '../errors.js';
import type { LocalMigration, MigrationFolder } from '../drizzle/folder.js';
import type { ApplyItem, ApplyResult } from '../io/apply.js';
import { connect, driverOptions, isConnectionLoss, lossReason } from '../io/db.js';
import { describeTarget } from '../core/url.js';
import { ensureHistoryTables } from '../io/history.js';
import { acquireMigrationLock, releaseMigrationLock, type HeldLock } from '../io/lock.js';
import { DBCTL_VERSION } from '../version.js';
import { createMigrateReporter, failureLines, renderPlan, type MigrateDocument } from '../render/migrate.js';
import type { CommandContext } from './context.js';
import { environmentLabel, historyTables, lockScope, openFolder, openProject, readStatus, targetEnvironment } from './shared.js';

/** Flags of `dbctl migrate`. */
export interface MigrateOptions {
  to?: string;
  dryRun?: boolean;
  allowDestructive?: boolean;
  backup?: boolean;
  wait?: string;
  lockTimeout?: string;
  statementTimeout?: string;
  waitForDb?: string;
}

/** Runs `dbctl migrate` and returns its exit code. */
export async function runMigrate(ctx: CommandContext, options: MigrateOptions): Promise<number> {
  const project = await openProject(ctx);
  const settings = {
    waitMs: options.wait ? parseDuration(options.wait, '--wait') : project.migrate.waitMs,
    lockTimeoutMs: options.lockTimeout ? parseDuration(options.lockTimeout, '--lock-timeout') : project.migrate.lockTimeoutMs,
    statementTimeoutMs: options.statementTimeout
      ? parseDuration(options.statementTimeout, '--statement-timeout')
      : project.migrate.statementTimeoutMs,
    waitForDbMs: options.waitForDb ? parseDuration(options.waitForDb, '--wait-for-db') : 0,
  };
  const environment = targetEnvironment(ctx, project);
  const folder = await openFolder(project);
  if (options.to !== undefined && !folder.migrations.some((m) => m.tag === options.to)) {
    throw new DbctlError('UNKNOWN_MIGRATION', `--to ${options.to}: no such migration in ${project.drizzle.outRelative}`, {
      hint: 'run `dbctl status` to list the migrations',
    });
  }
  const document: MigrateDocument = { env: environment.name, applied: [], pending: [], status: 'nothing-pending' };
  const emit = (exitCode: number) => {
    if (ctx.out.json) ctx.out.writeJson(document);
    return exitCode;
  };
  /** `closed`: the session went away under the run (not the close at its end, `ending`). */
  const session = { closed: false, ending: false };
  try {
    return emit(await migrate(ctx, project, environment, folder, options, settings, document, session));
  } catch (caught) {
    // a connection lost outside a migration (status read, lock, history tables): nothing was
    // applied by this run unless `document.applied` says so. A lock check that failed after the
    // session closed is that same loss, not a pooler.
    const lost =
      (isConnectionLoss(caught) && !(caught instanceof DbctlError)) ||
      (session.closed && caught instanceof DbctlError && caught.code === 'LOCK_NOT_HELD');
    const error = lost ? lostConnection(environment, document, caught) : caught;
    if (error instanceof DbctlError) {
      document.status = error.exitCode === ExitCode.refused ? 'refused' : 'failed';
      document.error ??= { tag: null, statement: null, message: ctx.out.redact(error.message) };
      document.error.code ??= error.code;
      if (ctx.out.json) ctx.out.writeJson(document);
    } else {
      // anything unexpected still leaves the document a script waits for
      document.status = 'failed';
      document.error ??= { tag: null, statement: null, message: ctx.out.redact(error instanceof Error ? error.message : String(error)) };
      if (ctx.out.json) ctx.out.writeJson(document);
    }
    throw error;
  }
}

/**
 * The error for a connection lost outside a migration's own statements: exit 4 when this run
 * applied nothing, else CONNECTION_LOST (exit 1) after the migrations it did apply.
 */
function lostConnection(environment: ResolvedEnvironment, document: MigrateDocument, error: unknown): DbctlError {
  const where = `the "${environment.name}" database (${describeTarget(environment.connection)})`;
  const applied = document.applied.length;
  const why = lossReason(isConnectionLoss(error) ? error : { code: 'CONNECTION_CLOSED' });
  if (applied === 0) {
    return new DbctlError('DB_UNREACHABLE', `lost the connection to ${where} before any migration ran: ${why}; nothing was applied`, {
      hint: 'check the database is up and run `dbctl migrate` again (in a container entrypoint add --wait-for-db 60s)',
      cause: error,
    });
  }
  return new DbctlError('CONNECTION_LOST', `lost the connection to ${where} after ${applied} migration${applied === 1 ? '' : 's'} applied: ${why}`, {
    hint: 'run `dbctl migrate` again to apply the rest; `dbctl status` shows where it stands',
    cause: error,
  });
}

async function migrate(
  ctx: CommandContext,
  project: ProjectConfig,
  environment: ResolvedEnvironment,
  folder: MigrationFolder,
  options: MigrateOptions,
  settings: { waitMs: number; lockTimeoutMs: number; statementTimeoutMs: number; waitForDbMs: number },
  document: MigrateDocument,
  session: { closed: boolean; ending: boolean },
): Promise<number> {
  const out = ctx.out;
  const tables = historyTables(project, ctx.out);
  const scope = lockScope(tables);
  // --no-backup on a protected environment is refused before anything connects or writes (the
  // same guard as below, asked early with nothing planned yet; it refuses --no-backup there)
  if (!options.dryRun && options.backup === false && environment.protected) await enforce(destructiveGuard(ctx, environment, options, []));
  const db = await connect(environment, {
    envName: environment.name,
    application: 'dbctl migrate',
    waitForDbMs: settings.waitForDbMs,
    onWait: (message) => out.warn(message),
    onClose: () => (session.closed ||= !session.ending),
  });
  let monitor: postgres.Sql | undefined;
  let lock: HeldLock | undefined;
  try {
    if (options.dryRun) {
      const status = await readStatus(db.sql, folder, tables);
      assertHistoryConsistent(status, document);
      const pending = selectPending(status, options.to) ?? [];
      document.pending = pending.map((p) => p.migration.tag);
      document.status = pending.length ? 'ok' : 'nothing-pending';
      const plan = await analyzePending(pending, folder.migrations);
      document.dryRun = true;
      document.plan = plan.map(({ planned, chunks }) => ({
        tag: planned.migration.tag,
        outOfOrder: planned.outOfOrder,
        statements: chunks.map((c) => ({ index: c.index, line: c.line, sql: c.sql.trim(), class: c.class, transactional: c.transactional })),
        backup: options.backup === false ? [] : chunks.flatMap((c) => c.destroys).map(describeDestroyed),
      }));
      for (const line of renderPlan(environmentLabel(environment), plan)) out.info(line);
      const decision = destructiveGuard(ctx, environment, options, plan);
      if (decision.action === 'refuse') out.info(`note: a real run would be refused: ${decision.message}; ${decision.hint}`);
      return ExitCode.ok;
    }

    // Nothing to do is the common case (every container start): one read decides it, without the
    // lock. Anything else (pending, modified, unknown, failed) is read again under the lock below.
    const first = await readStatus(db.sql, folder, tables);
    for (const m of first.migrations) if (m.state === 'cosmetic') out.info(`note: ${m.migration.tag} changed since it was applied only in comments or white space (cosmetic); going on`);
    if (upToDate(first, options.to)) {
      out.info(`${environmentLabel(environment)}: nothing pending`);
      return ExitCode.ok;
    }

    lock = await acquireMigrationLock(db.sql, scope, {
      waitMs: settings.waitMs,
      onWaiting: (holder) => out.info(`waiting for the migration lock held by ${holder} (up to ${Math.round(settings.waitMs / 1000)}s)`),
      // a second client proves the connection is a session of its own (not a transaction pooler)
      connectionClosed: () => session.closed,
      openProbe: () => postgres(driverOptions(environment.connection, { max: 1, application: 'dbctl migrate (probe)', idleTimeoutS: 0 })),
    });
    await ensureHistoryTables(db.sql, tables, folder);
    const status = await readStatus(db.sql, folder, tables);
    assertHistoryConsistent(status, document);
    const pending = selectPending(status, options.to) ?? [];
    document.pending = pending.map((p) => p.migration.tag);
    if (pending.length === 0) {
      document.status = 'nothing-pending';
      out.info(`${environmentLabel(environment)}: nothing pending`);
      return ExitCode.ok;
    }
    const analyses = await analyzePending(pending, folder.migrations);
    await enforce(destructiveGuard(ctx, environment, options, analyses));
    const items: ApplyItem[] = analyses.map(({ planned, chunks }) => ({ planned, execution: chunks }));
    // What a backup can hold: an opaque statement names nothing to copy (PostgreSQL judges it).
    const destroyedBy = new Map(analyses.map(({ planned, chunks }) => [planned.migration.tag, chunks.flatMap((c) => c.destroys).filter((d) => d.kind !== 'opaque')]));
    out.info(`${environmentLabel(environment)}: applying ${pending.length} migration${pending.length === 1 ? '' : 's'}`);
    const reporter = createMigrateReporter(out);
    const { applyMigrations } = await import('../io/apply.js');
    const result = await applyMigrations(db.sql, items, {
      tables,
      lockScope: scope,
      lock,
      envName: environment.name,
      lockTimeoutMs: settings.lockTimeoutMs,
      statementTimeoutMs: settings.statementTimeoutMs,
      lockRetries: project.migrate.lockRetries,
      hostname: ctx.env.DBCTL_HOSTNAME ?? '',
      dbctlVersion: DBCTL_VERSION,
      pid: db.pid,
      openMonitor: () => (monitor ??= postgres(driverOptions(environment.connection, { max: 1, application: 'dbctl migrate (monitor)', idleTimeoutS: 0 }))),
      onEvent: reporter.onEvent,
      backup: async (migration) => {
        const destroyed = destroyedBy.get(migration.tag) ?? [];
        if (destroyed.length === 0 || options.backup === false) return null;
        const { backupBeforeMigration } = await import('../backup/migrate.js');
        return await backupBeforeMigration(db.sql, destroyed, { tag: migration.tag, envName: environment.name, project, out });
      },
    });
    reporter.done();
    return finish(ctx, result, document, folder.migrations);
  } finally {
    // released on every path: through a pooler a lock left on a server connection outlives the run
    if (lock) await releaseMigrationLock(db.sql, lock).catch(() => {});
    session.ending = true;
    await monitor?.end({ timeout: 1 }).catch(() => {});
    await db.close().catch(() => {});
  }
}

/**
 * Parses and classifies the pending migrations with the one analysis review uses (the folder's
 * other migrations teach it the schema first). The parser and the classification table load only
 * here, so a run with nothing pending never pays for them.
 */
async function analyzePending<P extends { migration: LocalMigration }>(pending: P[], all: readonly LocalMigration[]): Promise<{ planned: P; chunks: AnalyzedChunk[] }[]> {
  if (pending.length === 0) return [];
  const [{ analyzePendingMigrations }, { loadSqlParser }] = await Promise.all([import('../core/analyze.js'), import('../sql/parser.js')]);
  const parser = await loadSqlParser();
  const chunks = analyzePendingMigrations(parser, all, pending.map((p) => p.migration));
  return pending.map((planned, i) => ({ planned, chunks: chunks[i]! }));
}

/** The protected-environment guard over the destructive migrations among `analyses`. */
function destructiveGuard(
  ctx: CommandContext,
  environment: ResolvedEnvironment,
  options: MigrateOptions,
  analyses: { planned: { migration: LocalMigration }; chunks: AnalyzedChunk[] }[],
): GuardDecision {
  const destructive = analyses
    .filter(({ chunks }) => chunks.some((c) => c.class === 'destructive'))
    .map(({ planned, chunks }) => ({ tag: planned.migration.tag, objects: chunks.flatMap((c) => c.destroys).map(describeDestroyed) }));
  return guardDestructiveMigrations(
    {
      envName: environment.name,
      protected: environment.protected,
      protectionReasons: environment.protectionReasons,
      interactive: ctx.out.interactive,
      yes: ctx.globals.yes,
    },
    { destructive, allowDestructive: Boolean(options.allowDestructive), backup: options.backup !== false },
  );
}

/** True when the run has nothing to apply and nothing to complain about. */
function upToDate(status: MigrationStatus<LocalMigration>, toTag: string | undefined): boolean {
  const clean = status.unknown.length === 0 && status.migrations.every((m) => m.state !== 'modified' && m.state !== 'failed');
  return clean && (selectPending(status, toTag) ?? []).length === 0;
}

/** Modified, unknown or part-way failed migrations stop the run before anything is applied. */
function assertHistoryConsistent(status: MigrationStatus<LocalMigration>, document: MigrateDocument): void {
  const modified = status.migrations.filter((m) => m.state === 'modified');
  const failed = status.migrations.filter((m) => m.state === 'failed');
  if (modified.length || status.unknown.length) {
    const details = [
      ...modified.map((m) => `  - ${m.migration.tag}: file changed since it was applied (checksum differs)`),
      ...status.unknown.map((r) => `  - database row ${r.id} (created_at ${r.createdAt}, hash ${r.hash.slice(0, 12)}…) matches no migration in the folder`),
    ];
    document.error = { tag: modified[0]?.migration.tag ?? null, statement: null, message: 'applied migrations do not match the folder' };
    throw new DbctlError(
      'HISTORY_MISMATCH',
      `${modified.length} modified and ${status.unknown.length} unknown migration${modified.length + status.unknown.length === 1 ? '' : 's'}: nothing was applied`,
      { details, hint: 'restore the applied files from git (never edit an applied migration: write a new one), or deploy the code that has the unknown migrations; `dbctl status` shows the list' },
    );
  }
  if (failed.length) {
    const tag = failed[0]!.migration.tag;
    document.error = { tag, statement: null, message: `${tag} stopped part-way in an earlier run` };
    throw new DbctlError('FAILED_MIGRATION_PENDING', `${tag} stopped part-way in an earlier run${failed[0]!.lastError ? ` (${failed[0]!.lastError})` : ''}`, {
      hint: `repair the database by hand, then run \`dbctl resolve ${tag} --applied\` (finish it) or \`dbctl resolve ${tag} --rolled-back\` (undo it, migrate re-runs it)`,
    });
  }
}

function finish(ctx: CommandContext, result: ApplyResult, document: MigrateDocument, migrations: LocalMigration[]): number {
  document.applied = result.applied;
  document.pending = result.remaining;
  if (!result.failure) {
    document.status = 'ok';
    const total = result.applied.reduce((sum, a) => sum + a.ms, 0);
    ctx.out.info(`${result.applied.length} migration${result.applied.length === 1 ? '' : 's'} applied in ${total}ms`);
    return ExitCode.ok;
  }
  const failure = result.failure;
  document.status = 'failed';
  if (failure.connectionLost) return finishLost(ctx, failure, document);
  document.error = { tag: failure.tag, statement: failure.statement || null, message: ctx.out.redact(failure.message) };
  const migration = migrations.find((m) => m.tag === failure.tag)!;
  for (const line of failureLines(failure, migration, result.applied.length)) ctx.out.warn(line);
  return ExitCode.failure;
}

/** A migration whose connection was lost: one line saying what happened to it and what to run. */
function finishLost(ctx: CommandContext, failure: ApplyResult['failure'] & object, document: MigrateDocument): number {
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
  return ExitCode.failure;
}
