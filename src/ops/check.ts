/**
 * `check`: the CI pre-deploy gate. Each check has an id, a pass/fail and a message naming the
 * command that fixes it. Without an environment (`--env`) it needs no database; with one it also
 * reads (never writes) the environment. Resolves to the report; a failed check rejects (exit 1).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { analyzePendingMigrations } from '../core/analyze.js';
import { applyBaseline, checkFolder } from '../core/folder-check.js';
import type { MigrationStatus } from '../core/plan.js';
import type { DrizzleSettings, ProjectConfig, ResolvedEnvironment } from '../config/types.js';
import { ExitCode, isDbctlError } from '../errors.js';
import type { LocalMigration, MigrationFolder } from '../drizzle/folder.js';
import type { PgSnapshot } from '../drizzle/live/introspect.js';
import { readFolderFacts } from '../drizzle/folder-facts.js';
import { readSnapshotHeaders, type SnapshotHeaders } from '../drizzle/snapshot-headers.js';
import { connect, type Database } from '../io/db.js';
import { readTableFacts } from '../io/table-facts.js';
import type { CheckReport, CheckResult } from '../render/check.js';
import { loadSqlParser } from '../sql/parser.js';
import { firstLine, replayChecks } from './check-replay.js';
import type { CommandContext } from './context.js';
import type { CheckOptions } from './options.js';
import { reviewSelected, type LiveFacts } from './review-select.js';
import { opContext, outcome, throwIfAborted } from './run.js';
import { historyConsistency, historyTables, openFolder, openProject, readStatus, targetEnvironment } from './shared.js';

/** Where `dbctl check --baseline` records the accepted folder problems, relative to the project. */
export const BASELINE_FILE = 'dbctl.baseline.json';

/**
 * Runs every check; rejects (exit 1, `reported`, the report as document) when any fails. The checks
 * run side by side (file reads, the database and the parser's compilation overlap the CPU work of
 * the others); the report lists them in a fixed order, and a failure stops the run as it would
 * have in that order.
 */
export async function check(options: CheckOptions = {}, given?: CommandContext): Promise<CheckReport> {
  const ctx = await opContext(options, given);
  const project = await openProject(ctx);
  const headers = readSnapshotHeaders(path.join(project.drizzle.out, 'meta'));
  const journal = journalCheck(ctx, project, headers, options.baseline === true);
  const folder = openFolder(project).catch((error: unknown) => {
    if (isDbctlError(error) && error.code === 'MIGRATIONS_FOLDER_INVALID') return null;
    throw error;
  });
  const live = ctx.globals.envExplicit ? openEnvironment(ctx, project) : undefined;
  const review = live ? undefined : folder.then((read) => (read ? reviewCheck(ctx, project, read, options, undefined) : null));
  // the environment's checks start as soon as the folder is read and the connection open, and the
  // schema check (CPU here) once their replay is on its way: the server replays meanwhile
  // the schema in code is read once for the schema check and schema-vs-sql (drizzle-kit 0.31's line)
  let codeRead: Promise<PgSnapshot> | undefined;
  const code = (settings: DrizzleSettings) => (codeRead ??= import('../drizzle/live/code.js').then((m) => m.codeSnapshot(settings)));
  let replaySent = () => {};
  const sent = new Promise<void>((resolve) => (replaySent = () => setImmediate(resolve)));
  const environment = live
    ? folder.then((read) =>
        read ? live.then((opened) => environmentChecks(ctx, project, read, options, opened, { onSent: replaySent, code })) : null,
      )
    : undefined;
  void environment?.finally(replaySent).catch(() => undefined);
  const schema = (environment ? sent : Promise.resolve()).then(() => schemaCheck(project, headers, code));
  for (const started of [journal, folder, live, review, environment]) started?.catch(() => undefined); // awaited below, in order

  const closeUnused = async () => {
    // environmentChecks closes the connection (and drops its scratch database) itself: wait for it
    if (await environment?.catch(() => null)) return;
    await live?.then(
      (opened) => opened.db.close(),
      () => undefined,
    );
  };
  const checks: CheckResult[] = [];
  let read: MigrationFolder | null;
  try {
    checks.push(await schema, await journal);
    read = await folder;
  } catch (error) {
    await closeUnused();
    throw error;
  }
  if (!read) {
    await closeUnused();
    checks.push({ id: 'review', ok: false, message: 'skipped: the migrations folder cannot be read (see journal)' });
  } else if (environment) {
    checks.push(...(await environment)!);
  } else {
    checks.push((await review)!);
  }
  const report: CheckReport = { ok: checks.every((c) => c.ok), checks };
  if (!report.ok) throw outcome('check', ExitCode.failure, report);
  return report;
}

/** The schema in code against the newest snapshot: a forgotten `generate`. */
async function schemaCheck(
  project: ProjectConfig,
  headers: Promise<SnapshotHeaders>,
  code: (settings: DrizzleSettings) => Promise<PgSnapshot>,
): Promise<CheckResult> {
  const { schemaDiffersFromSnapshot } = await import('../drizzle/live/drift.js');
  try {
    const onKitV1 = await (await import('../drizzle/kit/schema-check.js')).schemaDiffersOnKitV1(project.drizzle);
    const result = onKitV1 ?? (await schemaDiffersFromSnapshot(project.drizzle, { headers, code }));
    return result.differs
      ? {
          id: 'schema',
          ok: false,
          message: 'the schema in code differs from the newest migration snapshot: run `dbctl generate`',
          details: result.summary,
        }
      : { id: 'schema', ok: true, message: 'the schema in code matches the newest migration snapshot' };
  } catch (error) {
    return { id: 'schema', ok: false, message: `cannot compare the schema in code with the migrations: ${firstLine(error)}` };
  }
}

/**
 * Journal, SQL files and snapshot chain agree. Problems a project accepted (`check.acceptJournal`
 * in dbctl.config, or recorded by `dbctl check --baseline` in dbctl.baseline.json) are
 * listed but do not fail; any other problem does. With `baseline`, the problems there are now are
 * recorded first.
 */
async function journalCheck(
  ctx: CommandContext,
  project: ProjectConfig,
  headers: Promise<SnapshotHeaders>,
  baseline: boolean,
): Promise<CheckResult> {
  const read = await readFolderFacts(project.drizzle.out, await headers);
  if ('folders' in read) {
    const { count, problems } = read.folders; // drizzle-kit 1.0's folder per migration
    return problems.length
      ? {
          id: 'journal',
          ok: false,
          message: `${problems.length} inconsistenc${problems.length === 1 ? 'y' : 'ies'} in ${project.drizzle.outRelative}`,
          details: problems,
        }
      : {
          id: 'journal',
          ok: true,
          message: `${count} migration${count === 1 ? '' : 's'}; migration folders and snapshots (prevIds) agree`,
        };
  }
  if ('unreadable' in read) {
    return {
      id: 'journal',
      ok: false,
      message: `${project.drizzle.outRelative}: ${read.unreadable}; restore it from git or run \`dbctl generate\``,
    };
  }
  const problems = checkFolder(read.facts);
  const file = path.join(project.projectDir, BASELINE_FILE);
  let recorded = readBaseline(file);
  if (baseline) {
    recorded = [...new Set([...recorded, ...problems.map((p) => p.id)])].sort();
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify({ acceptJournal: recorded }, null, 2)}\n`);
    ctx.out.info(
      `recorded ${recorded.length} accepted folder problem${recorded.length === 1 ? '' : 's'} in ${BASELINE_FILE}${recorded.length ? `: ${recorded.join(', ')}` : ''}; commit it`,
    );
  }
  const { failing, accepted } = applyBaseline(problems, [...(project.check?.acceptJournal ?? []), ...recorded]);
  const acceptedLines = accepted.map((p) => `accepted (${p.id}): ${p.message.split(':')[0]}`);
  const count = read.facts.entries.length;
  return failing.length
    ? {
        id: 'journal',
        ok: false,
        message: `${failing.length} inconsistenc${failing.length === 1 ? 'y' : 'ies'} in ${project.drizzle.outRelative}`,
        details: [...failing.map((p) => `${p.message} [${p.id}]`), ...acceptedLines],
      }
    : accepted.length
      ? {
          id: 'journal',
          ok: true,
          message: `${count} migration${count === 1 ? '' : 's'}; journal, SQL files and snapshots agree but for ${accepted.length} accepted problem${accepted.length === 1 ? '' : 's'} (baseline)`,
          details: acceptedLines,
        }
      : { id: 'journal', ok: true, message: `${count} migration${count === 1 ? '' : 's'}; journal, SQL files and snapshots agree` };
}

/** The problem ids recorded by `dbctl check --baseline` (none when the file is absent). */
function readBaseline(file: string): string[] {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { acceptJournal?: unknown };
    return Array.isArray(data.acceptJournal) ? data.acceptJournal.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Review errors in the migrations under review. */
async function reviewCheck(
  ctx: CommandContext,
  project: ProjectConfig,
  folder: MigrationFolder,
  options: CheckOptions,
  live: LiveFacts | undefined,
): Promise<CheckResult> {
  const { report } = await reviewSelected(
    ctx,
    project,
    folder,
    { tags: [], all: false, since: options.since, appliedBy: options.appliedBy },
    live,
  );
  const reviewed = report.migrations.map((m) => m.tag);
  const failing = report.migrations.flatMap((m) =>
    m.statements.flatMap((s) => s.findings.filter((f) => f.severity === 'error').map((f) => `${m.file}:${s.line} ${f.rule}: ${f.message}`)),
  );
  const what = reviewed.length ? reviewed.join(', ') : 'no migrations';
  if (failing.length) {
    return {
      id: 'review',
      ok: false,
      message: `${failing.length} review error${failing.length === 1 ? '' : 's'} in ${what}: run \`dbctl review\` for the fixes`,
      details: failing,
    };
  }
  return {
    id: 'review',
    ok: true,
    message: `reviewed ${what}: no errors${report.summary.warnings ? ` (${report.summary.warnings} warnings)` : ''}`,
  };
}

/** The `--env` environment and a connection to it (read-only use). */
interface OpenEnvironment {
  environment: ResolvedEnvironment;
  db: Database;
}

/** Resolves the environment and connects to it (read-only use). */
async function openEnvironment(ctx: CommandContext, project: ProjectConfig): Promise<OpenEnvironment> {
  const environment = targetEnvironment(ctx, project);
  throwIfAborted(ctx.signal);
  const db = await connect(environment, { envName: environment.name, application: 'dbctl check' });
  return { environment, db };
}

/**
 * With `--env`: history matches the folder, pending migrations with classes, no drift, review of
 * what is pending. Closes the connection.
 */
async function environmentChecks(
  ctx: CommandContext,
  project: ProjectConfig,
  folder: MigrationFolder,
  options: CheckOptions,
  { environment, db }: OpenEnvironment,
  shared: Parameters<typeof replayChecks>[5] = {},
): Promise<CheckResult[]> {
  // the scratch database is made while the history is read (replayChecks waits for the status)
  const reading = readStatus(db.sql, folder, historyTables(project));
  const replayed = replayChecks(ctx, project, reading, environment, db, shared);
  replayed.catch(() => undefined);
  try {
    const status = await reading;
    const pending = status.migrations.filter((m) => m.state === 'pending' || m.state === 'failed');
    const facts = readTableFacts(db.sql);
    const drift = replayed.then((r) => r.drift);
    const review = facts.then((known) =>
      reviewCheck(ctx, project, folder, options, { pendingTags: pending.map((p) => p.migration.tag), facts: known }),
    );
    const classes = pendingCheck(
      pending.map((p) => p.migration),
      folder.migrations,
    );
    for (const started of [drift, review, classes]) started.catch(() => undefined); // awaited below, in order
    const otherTable = await defaultTableCheck(db, project, status, environment.name);
    return [
      await review,
      ...historyChecks(status, environment.name),
      ...otherTable,
      await classes,
      await drift,
      (await replayed).schemaVsSql,
    ];
  } finally {
    await replayed.catch(() => undefined); // its scratch database is dropped through this connection
    await db.close();
  }
}

/** The migrations recorded in drizzle's default table instead of the configured one (src/io/recorded-elsewhere.ts). */
async function defaultTableCheck(
  db: Database,
  project: ProjectConfig,
  status: MigrationStatus<LocalMigration>,
  env: string,
): Promise<CheckResult[]> {
  const { recordedElsewhere } = await import('../io/recorded-elsewhere.js');
  const message = await recordedElsewhere(db.sql, historyTables(project), status, env);
  return message ? [{ id: 'migrations-table', ok: false, message }] : [];
}

/** The applied migrations against the folder (the history consistency migrate also decides by), as checks. */
function historyChecks(status: MigrationStatus<LocalMigration>, env: string): CheckResult[] {
  const history = historyConsistency(status);
  const tags = (list: readonly { migration: LocalMigration }[]) => list.map((m) => m.migration.tag);
  const [modified, cosmetic, failed] = [tags(history.modified), tags(history.cosmetic), tags(history.failed)];
  return [
    modified.length
      ? {
          id: 'applied-unmodified',
          ok: false,
          message: `${modified.length} applied migration file${modified.length === 1 ? ' was' : 's were'} modified after being applied to ${env}: restore them from git and write a new migration instead`,
          details: modified,
        }
      : cosmetic.length
        ? {
            id: 'applied-unmodified',
            ok: true,
            message: `every applied migration matches what was applied to ${env}; ${cosmetic.length} changed since only in comments or white space (cosmetic)`,
            details: cosmetic,
          }
        : { id: 'applied-unmodified', ok: true, message: `every applied migration matches its checksum in ${env}` },
    status.unknown.length
      ? {
          id: 'no-unknown-migrations',
          ok: false,
          message: `${env} has ${status.unknown.length} migration${status.unknown.length === 1 ? '' : 's'} this folder does not know: deploy from the branch that has them, or merge it first`,
          details: status.unknown.map((r) => `row ${r.id}: created_at ${r.createdAt}, hash ${r.hash.slice(0, 12)}…`),
        }
      : { id: 'no-unknown-migrations', ok: true, message: `${env} has no migrations unknown to the folder` },
    failed.length
      ? {
          id: 'no-failed-migrations',
          ok: false,
          message: `${failed.join(', ')} stopped part-way in ${env}: repair, then \`dbctl resolve ${failed[0]} --applied|--rolled-back --env ${env}\``,
          details: failed,
        }
      : { id: 'no-failed-migrations', ok: true, message: `no migration stopped part-way in ${env}` },
  ];
}

/** Pending migrations with their statement classes (information: never fails). */
async function pendingCheck(pending: LocalMigration[], all: readonly LocalMigration[]): Promise<CheckResult> {
  if (!pending.length) return { id: 'pending', ok: true, message: 'nothing pending' };
  const parser = await loadSqlParser();
  const analysed = analyzePendingMigrations(parser, all, pending); // the analysis migrate applies them with
  const details = pending.map((m, i) => {
    const counts = { safe: 0, locking: 0, destructive: 0 };
    for (const chunk of analysed[i]!) counts[chunk.class]++;
    return `${m.tag}: ${
      Object.entries(counts)
        .filter(([, n]) => n)
        .map(([c, n]) => `${n} ${c}`)
        .join(', ') || 'empty'
    }`;
  });
  return {
    id: 'pending',
    ok: true,
    message: `${pending.length} pending migration${pending.length === 1 ? '' : 's'} (\`dbctl migrate --dry-run\` shows the plan)`,
    details,
  };
}
