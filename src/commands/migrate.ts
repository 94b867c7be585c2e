/**
 * `dbctl migrate`: applies pending migrations under the migration lock, after verifying the
 * applied ones, each in its own transaction, recording every outcome. See the contract's
 * migrate section; the engine is `io/apply.ts`, the decisions are in `core/`.
 */
import postgres from 'postgres';
import type { AnalyzedChunk } from '../core/analyze.js';
import type { DestroyedObject, ModifiedTable } from '../core/classify.js';
import { describeDestroyed } from '../core/destroyed.js';
import { guardDestructiveMigrations, type GuardDecision } from '../core/guards.js';
import { enforce } from '../io/prompt.js';
import { parseDuration } from '../core/duration.js';
import { selectPending, type MigrationStatus } from '../core/plan.js';
import type { ProjectConfig, ResolvedEnvironment } from '../config/types.js';
import { DbctlError, ExitCode } from '../errors.js';
import type { LocalMigration, MigrationFolder } from '../drizzle/folder.js';
import type { ApplyFailure, ApplyItem, ApplyResult } from '../io/apply.js';
import { backupName, describeDestruction } from '../io/destruction.js';
import { connect, connectAhead, driverOptions, isConnectionLoss, lossReason, type PendingConnection } from '../io/db.js';
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
  /** `--backup-extra`: tables/columns (`schema.table[.column]`, comma-separated) backed up before the first migration of the run. */
  backupExtra?: string;
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
  /** `closed`: the session went away under the run (not the close at its end, `ending`). */
  const session = { closed: false, ending: false };
  // the connection opens while the folder is read (--no-backup on a protected environment is refused before anything connects)
  const ahead = options.backup === false && environment.protected && !options.dryRun ? undefined : connectAhead(environment, migrateConnection(ctx, environment, settings, session));
  let folder: MigrationFolder;
  try {
    folder = await openFolder(project);
    if (options.to !== undefined && !folder.migrations.some((m) => m.tag === options.to)) {
      throw new DbctlError('UNKNOWN_MIGRATION', `--to ${options.to}: no such migration in ${project.drizzle.outRelative}`, {
        hint: 'run `dbctl status` to list the migrations',
      });
    }
  } catch (error) {
    await ahead?.abandon();
    throw error;
  }
  const document: MigrateDocument = { env: environment.name, applied: [], pending: [], status: 'nothing-pending' };
  const emit = (exitCode: number) => {
    if (ctx.out.json) ctx.out.writeJson(document);
    return exitCode;
  };
  try {
    return emit(await migrate(ctx, project, environment, folder, options, settings, document, session, ahead));
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
      const applied = (error as { applied?: MigrateDocument['applied'] }).applied;
      if (applied) {
        document.applied = applied;
        document.pending = document.pending.filter((tag) => !applied.some((a) => a.tag === tag));
      }
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

/** How `migrate` connects: one session, waiting for the database as asked, noting when the session closes under it. */
function migrateConnection(ctx: CommandContext, environment: ResolvedEnvironment, settings: { waitForDbMs: number }, session: { closed: boolean; ending: boolean }) {
  return {
    envName: environment.name,
    application: 'dbctl migrate',
    waitForDbMs: settings.waitForDbMs,
    onWait: (message: string) => ctx.out.warn(message),
    onClose: () => (session.closed ||= !session.ending),
  };
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
  ahead: PendingConnection | undefined,
): Promise<number> {
  const out = ctx.out;
  let tables: ReturnType<typeof historyTables>;
  try {
    tables = historyTables(project, ctx.out);
    // --no-backup on a protected environment is refused before anything connects or writes (the
    // same guard as below, asked early with nothing planned yet; it refuses --no-backup there)
    if (!options.dryRun && options.backup === false && environment.protected) await enforce(destructiveGuard(ctx, environment, options, []));
  } catch (error) {
    await ahead?.abandon();
    throw error;
  }
  const scope = lockScope(tables);
  const db = ahead ? await ahead.ready() : await connect(environment, migrateConnection(ctx, environment, settings, session));
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
      // what would be backed up, as the live database resolves it now: objects of tables that hold
      // rows; objects not there yet (created earlier in the run) as the plan names them
      const { resolveLive } = await import('../io/destruction-live.js');
      const extra = parseBackupExtra(options.backupExtra);
      const live = await Promise.all(
        plan.map(async ({ chunks }, i) => {
          const resolved = await resolveLive(db.sql, [...(i === 0 ? extra : []), ...chunks.flatMap((c) => c.destroys)]);
          return [...resolved.holding, ...resolved.missing.filter((m) => m.kind !== 'opaque')].map(describeDestroyed);
        }),
      );
      document.dryRun = true;
      document.plan = plan.map(({ planned, chunks }, i) => ({
        tag: planned.migration.tag,
        outOfOrder: planned.outOfOrder,
        statements: chunks.map((c) => ({ index: c.index, line: c.line, sql: c.sql.trim(), class: c.class, transactional: c.transactional })),
        backup: options.backup === false ? [] : live[i]!,
      }));
      for (const line of renderPlan(environmentLabel(environment), plan)) out.info(line);
      const judged = plan.map(({ planned, chunks }, i) => ({
        tag: planned.migration.tag,
        objects: [...live[i]!, ...chunks.flatMap((c) => c.destroys).filter((d) => d.kind === 'opaque').map(describeDestroyed)],
      }));
      const decision = destructiveGuard(ctx, environment, options, judged.filter((d) => d.objects.length > 0));
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
    const failed = status.migrations.find((m) => m.state === 'failed');
    assertHistoryConsistent(status, document, failed ? await whatRan(db.sql, failed.migration) : []);
    const pending = selectPending(status, options.to) ?? [];
    document.pending = pending.map((p) => p.migration.tag);
    if (pending.length === 0) {
      document.status = 'nothing-pending';
      out.info(`${environmentLabel(environment)}: nothing pending`);
      return ExitCode.ok;
    }
    const analyses = await analyzePending(pending, folder.migrations);
    const refusal = await refuseOwnTransactionControl(analyses);
    if (refusal) {
      document.status = 'failed';
      document.error = { tag: refusal.tag, statement: refusal.statement, message: refusal.message };
      throw new DbctlError('TRANSACTION_CONTROL', refusal.message, { hint: refusal.hint });
    }
    const extra = parseBackupExtra(options.backupExtra);
    const { resolveLive, resolveTables } = await import('../io/destruction-live.js');
    // the guard judges what holds rows now; objects created later in the run are judged when their migration runs
    const live = await Promise.all(analyses.map(async ({ planned, chunks }, i) => {
      const destroys = chunks.flatMap((c) => c.destroys);
      const resolved = await resolveLive(db.sql, [...(i === 0 ? extra : []), ...destroys]);
      // a statement dbctl cannot see into counts as destructive: a protected environment must allow it
      // (PostgreSQL's pre-commit check still rolls back whatever it destroys that no backup holds)
      const opaque = destroys.filter((d) => d.kind === 'opaque');
      return { tag: planned.migration.tag, objects: [...resolved.holding, ...opaque].map(describeDestroyed) };
    }));
    const decision = destructiveGuard(ctx, environment, options, live.filter((l) => l.objects.length > 0));
    await enforce(decision);
    const confirmed = decision.action !== 'allow' || Boolean(options.allowDestructive) || ctx.globals.yes;
    const items: ApplyItem[] = analyses.map(({ planned, chunks }) => ({ planned, execution: chunks }));
    // what a backup can hold: an opaque statement names nothing to copy (the pre-commit check judges it)
    const destroyedBy = new Map(
      analyses.map(({ planned, chunks }, i) => [planned.migration.tag, [...(i === 0 ? extra : []), ...chunks.flatMap((c) => c.destroys).filter((d) => d.kind !== 'opaque')]]),
    );
    const modifiesBy = new Map(analyses.map(({ planned, chunks }) => [planned.migration.tag, visibleModifies(chunks)]));
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
          throw new DbctlError('REFUSED', `${migration.tag} destroys data on the protected environment "${environment.name}": ${resolved.holding.map(describeDestroyed).join(', ')}`, {
            hint: `these rows were written during this run; review them and run \`dbctl migrate --env ${environment.name} --allow-destructive\` (a backup is taken first)`,
          });
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
    });
    reporter.done();
    return finish(ctx, result, document, folder.migrations, environment);
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
  const [{ analyzePendingMigrations }, { loadSqlParser, primeSqlParser }] = await Promise.all([import('../core/analyze.js'), import('../sql/parser.js')]);
  primeSqlParser(all.map((m) => m.text));
  const parser = await loadSqlParser();
  const chunks = analyzePendingMigrations(parser, all, pending.map((p) => p.migration));
  return pending.map((planned, i) => ({ planned, chunks: chunks[i]! }));
}

/** `--backup-extra a.b,c.d.e` as planned objects (`table` alone is `public.table`). */
function parseBackupExtra(value: string | undefined): DestroyedObject[] {
  if (!value) return [];
  return value.split(',').map((raw) => raw.trim()).filter(Boolean).map((name) => {
    const parts = name.split('.');
    if (parts.length > 3 || parts.some((p) => p === '')) {
      throw new DbctlError('USAGE', `--backup-extra ${name}: expected schema.table or schema.table.column`, { hint: 'e.g. --backup-extra public.posts,public.users.bio' });
    }
    if (parts.length === 3) return { kind: 'column', schema: parts[0]!, table: parts[1]!, column: parts[2]!, reason: '--backup-extra' };
    return { kind: 'table', schema: parts.length === 2 ? parts[0]! : 'public', table: parts[parts.length - 1]!, reason: '--backup-extra' };
  });
}

/** The tables whose rows a migration visibly updates or deletes (the analysis's planned modifications). */
function visibleModifies(chunks: AnalyzedChunk[]): ModifiedTable[] {
  return chunks.flatMap((chunk) => chunk.modifies ?? []);
}

/**
 * A migration that ends its own transaction (COMMIT, ROLLBACK, ...) outside dbctl's
 * non-transactional handling is refused before anything runs: its later statements would no longer
 * be atomic with the rest, and a failure would leave it half applied under a false record.
 */
async function refuseOwnTransactionControl(
  analyses: { planned: { migration: LocalMigration }; chunks: AnalyzedChunk[] }[],
): Promise<{ tag: string; statement: string; message: string; hint: string } | null> {
  for (const { planned, chunks } of analyses) {
    for (const chunk of chunks) {
      const control = chunk.classifications.find((c) => /^(COMMIT|ROLLBACK|END|ABORT|PREPARE TRANSACTION|COMMIT PREPARED|ROLLBACK PREPARED)\b/.test(c.summary) && !/^ROLLBACK TO\b/.test(c.summary));
      if (control) {
        const tag = planned.migration.tag;
        return {
          tag,
          statement: chunk.sql.trim(),
          message: `${tag} ends its own transaction (${control.summary} at line ${chunk.line} of ${planned.migration.relativeFile}): refused before anything ran, since what follows it would run outside the migration's transaction`,
          hint: `remove the transaction control from ${planned.migration.relativeFile} (dbctl wraps each migration in a transaction and runs CONCURRENTLY statements outside it by itself); \`dbctl review ${tag}\` shows it as transaction-nesting`,
        };
      }
    }
  }
  return null;
}

/** The protected-environment guard over the destructive migrations (`destructive`: tag and what it destroys). */
function destructiveGuard(
  ctx: CommandContext,
  environment: ResolvedEnvironment,
  options: MigrateOptions,
  destructive: { tag: string; objects: string[] }[],
): GuardDecision {
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

/**
 * What the catalog says of a failed migration's statements that run outside a transaction (CREATE
 * INDEX CONCURRENTLY): the index exists and is valid (the statement ran), exists but is invalid (it
 * did not finish), or is absent (it did not run). One line per such statement.
 */
async function whatRan(sql: postgres.Sql, migration: LocalMigration): Promise<string[]> {
  const { loadSqlParser } = await import('../sql/parser.js');
  const parser = await loadSqlParser();
  const indexes: { index: number; name: string }[] = [];
  migration.statements.forEach((statement, index) => {
    const parsed = parser.parse(statement.sql);
    if ('error' in parsed) return;
    for (const stmt of parsed.statements) {
      const body = stmt.kind === 'IndexStmt' ? (stmt.node?.IndexStmt ?? stmt.node) : null;
      if (!body?.concurrent || !body.idxname) continue;
      const schema = body.relation?.schemaname as string | undefined;
      const quote = (n: string) => `"${n.replace(/"/g, '""')}"`;
      indexes.push({ index, name: schema ? `${quote(schema)}.${quote(String(body.idxname))}` : quote(String(body.idxname)) });
    }
  });
  if (indexes.length === 0) return [];
  const rows = await sql<{ name: string; valid: boolean | null }[]>`
    select u.name, i.indisvalid and i.indisready as valid
      from pg_catalog.unnest(${indexes.map((i) => i.name)}::text[]) as u(name)
      left join pg_catalog.pg_index i on i.indexrelid = pg_catalog.to_regclass(u.name)`;
  const valid = new Map(rows.map((r) => [r.name, r.valid]));
  return indexes.map(({ index, name }) => {
    const state = valid.get(name);
    const where = `  statement ${index + 1} (CREATE INDEX CONCURRENTLY ${name})`;
    if (state === true) return `${where}: the index exists and is valid, so it ran`;
    if (state === false) return `${where}: the index exists but is INVALID, so it did not finish: DROP INDEX CONCURRENTLY ${name}, then resolve`;
    return `${where}: the index does not exist, so it did not run`;
  });
}

/** Modified, unknown or part-way failed migrations stop the run before anything is applied. */
function assertHistoryConsistent(status: MigrationStatus<LocalMigration>, document: MigrateDocument, ran: string[] = []): void {
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
      details: ran,
      hint: `repair the database by hand, then run \`dbctl resolve ${tag} --applied\` (finish it) or \`dbctl resolve ${tag} --rolled-back\` (undo it, migrate re-runs it)`,
    });
  }
}

/**
 * UNPLANNED_DESTRUCTION: what PostgreSQL saw destroyed, the statement, and the command that runs the
 * migration again with the backup it needs.
 */
function unplannedDestruction(ctx: CommandContext, failure: ApplyFailure, environment: ResolvedEnvironment, appliedBefore: number): DbctlError {
  const list = failure.unplanned ?? [];
  const kept = appliedBefore ? `; the ${appliedBefore} migration${appliedBefore === 1 ? '' : 's'} before it stay applied` : '';
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

function finish(ctx: CommandContext, result: ApplyResult, document: MigrateDocument, migrations: LocalMigration[], environment: ResolvedEnvironment): number {
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
  if (failure.unplanned) throw unplannedDestruction(ctx, failure, environment, result.applied.length);
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
