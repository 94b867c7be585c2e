/**
 * `migrate`: applies pending migrations under the migration lock, after verifying the applied
 * ones, each in its own transaction, recording every outcome. See the contract's migrate section;
 * the engine is `io/apply.ts`, the decisions are in `core/`. The steps: settings → connect →
 * (dry run: `migrate-plan.ts`) → one read decides "nothing pending" → lock → history → apply
 * (`migrate-apply.ts`). Everything past the one read loads only when something is pending.
 */
import type { ProjectConfig, ResolvedEnvironment } from '../config/types.js';
import { parseDuration } from '../core/duration.js';
import { selectPending, type MigrationStatus } from '../core/plan.js';
import { describeTarget } from '../core/url.js';
import type { LocalMigration, MigrationFolder } from '../drizzle/folder.js';
import { DbctlError, ExitCode } from '../errors.js';
import { connect, connectAhead, isConnectionLoss, lossReason, type PendingConnection } from '../io/db.js';
import type { MigrateDocument } from '../render/migrate.js';
import type { CommandContext } from './context.js';
import type { Duration, MigrateOptions } from './options.js';
import { abortedError, opContext, throwIfAborted } from './run.js';
import {
  environmentLabel,
  historyConsistency,
  historyTables,
  noteUnlisted,
  openFolder,
  openProject,
  readStatus,
  targetEnvironment,
} from './shared.js';

/** The durations of a run, in milliseconds: flags first, else the config's `migrate` section. */
export interface MigrateSettings {
  waitMs: number;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  waitForDbMs: number;
}

/** The session of a run: `closed` once it went away under the run (not the close at its end, `ending`). */
export interface MigrateSession {
  closed: boolean;
  ending: boolean;
}

/** What every step of a run works with. */
export interface MigrateRun {
  ctx: CommandContext;
  options: MigrateOptions;
  project: ProjectConfig;
  environment: ResolvedEnvironment;
  folder: MigrationFolder;
  settings: MigrateSettings;
  /** The `--json` document, filled in as the run goes. */
  document: MigrateDocument;
  session: MigrateSession;
}

/**
 * Applies the pending migrations (up to `options.to`) and resolves to `dbctl migrate --json`'s
 * document. A failed migration rejects with `outcome(...)` (the document tells it all); a guard,
 * the lock or the history rejects with its `DbctlError`, the document attached.
 */
export async function migrate(options: MigrateOptions = {}, given?: CommandContext): Promise<MigrateDocument> {
  const ctx = await opContext(options, given);
  const project = await openProject(ctx);
  const settings = migrateSettings(options, project);
  const environment = targetEnvironment(ctx, project);
  const session: MigrateSession = { closed: false, ending: false };
  // the connection opens while the folder is read (--no-backup on a protected environment is
  // refused before anything connects); an error before it is used abandons it
  const ahead =
    options.backup === false && environment.protected && !options.dryRun
      ? undefined
      : connectAhead(environment, migrateConnection(ctx, environment, settings, session));
  const folder = await abandonOnError(ahead, async () => {
    const read = await openFolder(project);
    if (options.to !== undefined && !read.migrations.some((m) => m.tag === options.to)) {
      throw new DbctlError('UNKNOWN_MIGRATION', `--to ${options.to}: no such migration in ${project.drizzle.outRelative}`, {
        hint: 'run `dbctl status` to list the migrations',
      });
    }
    return read;
  });
  noteUnlisted(ctx, project, folder);
  const document: MigrateDocument = { env: environment.name, applied: [], pending: [], status: 'nothing-pending' };
  const run: MigrateRun = { ctx, options, project, environment, folder, settings, document, session };
  try {
    await connectAndRun(run, ahead);
    return document;
  } catch (caught) {
    throw stoppedRun(run, caught);
  }
}

/** The run's durations: each flag (text or milliseconds) replaces the config's value. */
function migrateSettings(options: MigrateOptions, project: ProjectConfig): MigrateSettings {
  return {
    waitMs: durationMs(options.wait, '--wait') ?? project.migrate.waitMs,
    lockTimeoutMs: durationMs(options.lockTimeout, '--lock-timeout') ?? project.migrate.lockTimeoutMs,
    statementTimeoutMs: durationMs(options.statementTimeout, '--statement-timeout') ?? project.migrate.statementTimeoutMs,
    waitForDbMs: durationMs(options.waitForDb, '--wait-for-db') ?? 0,
  };
}

/** A duration option in milliseconds; undefined when not given. */
function durationMs(value: Duration | undefined, flag: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string') return parseDuration(value, flag);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new DbctlError('USAGE', `${flag} ${value} is not a duration in milliseconds`, {
      hint: 'give a whole number of milliseconds, or a text such as 5s',
    });
  }
  return value;
}

/**
 * Connects, then runs: the dry run, or the one read that decides "nothing pending" (every
 * container start: no lock, nothing else loaded), or the apply under the lock. The connection and
 * the lock are released on every path.
 */
async function connectAndRun(run: MigrateRun, ahead: PendingConnection | undefined): Promise<void> {
  const { ctx, options, environment, folder, settings, session } = run;
  const tables = await abandonOnError(ahead, async () => {
    const found = historyTables(run.project, ctx.out);
    if (!options.dryRun && options.backup === false && environment.protected) {
      // --no-backup on a protected environment is refused before anything connects or writes (the
      // same guard as before applying, asked early with nothing planned yet)
      await (await import('./migrate-plan.js')).refuseNoBackup(run);
    }
    throwIfAborted(ctx.signal);
    return found;
  });
  const db = ahead ? await ahead.ready() : await connect(environment, migrateConnection(ctx, environment, settings, session));
  try {
    if (options.dryRun) return await (await import('./migrate-plan.js')).dryRun(run, db.sql, tables);
    const first = await readStatus(db.sql, folder, tables);
    for (const m of first.migrations)
      if (m.state === 'cosmetic')
        ctx.out.info(`note: ${m.migration.tag} changed since it was applied only in comments or white space (cosmetic); going on`);
    if (upToDate(first, options.to)) {
      ctx.out.info(`${environmentLabel(environment)}: nothing pending`);
      return;
    }
    // anything else (pending, modified, unknown, failed) is read again under the lock
    await (await import('./migrate-apply.js')).applyUnderLock(run, db, tables);
  } finally {
    session.ending = true;
    await db.close().catch(() => {});
  }
}

/** How `migrate` connects: one session, waiting for the database as asked, noting when the session closes under it. */
function migrateConnection(ctx: CommandContext, environment: ResolvedEnvironment, settings: MigrateSettings, session: MigrateSession) {
  return {
    envName: environment.name,
    application: 'dbctl migrate',
    waitForDbMs: settings.waitForDbMs,
    signal: ctx.signal,
    onWait: (message: string) => ctx.out.warn(message),
    onClose: () => (session.closed ||= !session.ending),
  };
}

/** Runs a step before the early connection is used; its error abandons that connection first. */
async function abandonOnError<T>(ahead: PendingConnection | undefined, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    await ahead?.abandon();
    throw error;
  }
}

/** True when the run has nothing to apply and nothing to complain about. */
function upToDate(status: MigrationStatus<LocalMigration>, toTag: string | undefined): boolean {
  return historyConsistency(status).ok && (selectPending(status, toTag) ?? []).length === 0;
}

/**
 * The error a stopped run rejects with, its document completed: a connection lost outside a
 * migration (status read, lock, history tables) is DB_UNREACHABLE or CONNECTION_LOST; a lock check
 * that failed after the session closed is that same loss, not a pooler.
 */
function stoppedRun(run: MigrateRun, caught: unknown): unknown {
  const { document, ctx, session } = run;
  if (caught instanceof DbctlError && caught.reported) return caught;
  // the driver stops --wait-for-db's retries with the signal's own reason: the caller sees ABORTED
  if (ctx.signal?.aborted && !(caught instanceof DbctlError)) caught = abortedError(ctx.signal);
  const lost =
    (isConnectionLoss(caught) && !(caught instanceof DbctlError)) ||
    (session.closed && caught instanceof DbctlError && caught.code === 'LOCK_NOT_HELD');
  const error = lost ? lostConnection(run.environment, document, caught) : caught;
  if (error instanceof DbctlError) {
    document.status = error.exitCode === ExitCode.refused ? 'refused' : 'failed';
    const applied = (error as { applied?: MigrateDocument['applied'] }).applied;
    if (applied) {
      document.applied = applied;
      document.pending = document.pending.filter((tag) => !applied.some((a) => a.tag === tag));
    }
    document.error ??= { tag: null, statement: null, message: ctx.out.redact(error.message) };
    document.error.code ??= error.code;
  } else {
    // anything unexpected still leaves the document a script waits for
    document.status = 'failed';
    document.error ??= { tag: null, statement: null, message: ctx.out.redact(error instanceof Error ? error.message : String(error)) };
  }
  if (error !== null && typeof error === 'object') (error as { document?: unknown }).document = document;
  return error;
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
  return new DbctlError(
    'CONNECTION_LOST',
    `lost the connection to ${where} after ${applied} migration${applied === 1 ? '' : 's'} applied: ${why}`,
    {
      hint: 'run `dbctl migrate` again to apply the rest; `dbctl status` shows where it stands',
      cause: error,
    },
  );
}
