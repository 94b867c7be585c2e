/**
 * `dbctl check [--since GITREF] [--format F]`: the CI pre-deploy gate. Each check has an id, a
 * pass/fail and a message naming the command that fixes it. Without `--env` it needs no database;
 * with `--env` it also reads (never writes) the environment. Exit 0 pass, 1 fail.
 */
import path from 'node:path';
import { analyzeMigration } from '../core/analyze.js';
import { checkFolder } from '../core/folder-check.js';
import type { MigrationStatus } from '../core/plan.js';
import type { ProjectConfig, ResolvedEnvironment } from '../config/types.js';
import { DbctlError, ExitCode, isDbctlError } from '../errors.js';
import type { LocalMigration, MigrationFolder } from '../drizzle/folder.js';
import { readFolderFacts } from '../drizzle/folder-facts.js';
import { readSnapshotHeaders, type SnapshotHeaders } from '../drizzle/snapshot-headers.js';
import { connect, type Database } from '../io/db.js';
import { readTableFacts } from '../io/table-facts.js';
import { CHECK_FORMATS, renderCheck, type CheckFormat, type CheckResult } from '../render/check.js';
import { loadSqlParser } from '../sql/parser.js';
import type { CommandContext } from './context.js';
import { reviewSelected } from './review.js';
import { historyTables, openFolder, openProject, readStatus, targetEnvironment } from './shared.js';

/** Flags of `dbctl check`. */
export interface CheckOptions {
  since?: string;
  format?: string;
  /** `--applied-by dbctl|drizzle-kit`: overrides `review.appliedBy`. */
  appliedBy?: string;
}

/**
 * Runs every check and prints the report; exit 1 when any fails. The checks run side by side
 * (file reads, the database and the parser's compilation overlap the CPU work of the others);
 * the report lists them in a fixed order, and a failure stops the command as it would have in that
 * order.
 */
export async function runCheck(ctx: CommandContext, options: CheckOptions): Promise<number> {
  const format = (options.format ?? (ctx.out.json ? 'json' : 'text')) as CheckFormat;
  if (!CHECK_FORMATS.includes(format)) {
    throw new DbctlError('USAGE', `--format ${format} is not a check format`, { hint: `use one of ${CHECK_FORMATS.join(', ')}` });
  }
  const project = await openProject(ctx);
  const headers = readSnapshotHeaders(path.join(project.drizzle.out, 'meta'));
  const journal = journalCheck(project, headers);
  const folder = openFolder(project).catch((error: unknown) => {
    if (isDbctlError(error) && error.code === 'MIGRATIONS_FOLDER_INVALID') return null;
    throw error;
  });
  const live = ctx.globals.envExplicit ? openEnvironment(ctx, project) : undefined;
  const review = live ? undefined : folder.then((read) => (read ? reviewCheck(ctx, project, read, options, undefined) : null));
  const schema = schemaCheck(project, headers);
  for (const started of [journal, folder, live, review]) started?.catch(() => undefined); // awaited below, in order

  const closeUnused = () => void live?.then((opened) => opened.db.close(), () => undefined);
  const checks: CheckResult[] = [];
  let read: MigrationFolder | null;
  try {
    checks.push(await schema, await journal);
    read = await folder;
  } catch (error) {
    closeUnused();
    throw error;
  }
  if (!read) {
    closeUnused();
    checks.push({ id: 'review', ok: false, message: 'skipped: the migrations folder cannot be read (see journal)' });
  } else if (live) {
    checks.push(...(await environmentChecks(ctx, project, read, options, await live)));
  } else {
    checks.push((await review)!);
  }
  const report = { ok: checks.every((c) => c.ok), checks };
  ctx.out.writeStdout(renderCheck(report, format));
  // machine formats keep stdout to themselves: the one-line summary goes to stderr
  if (format === 'json' || format === 'junit' || format === 'github') {
    const failed = checks.filter((c) => !c.ok).map((c) => c.id);
    ctx.out.warn(`dbctl check: ${report.ok ? 'passed' : `failed (${failed.join(', ')})`}, ${checks.length} check${checks.length === 1 ? '' : 's'}`);
  }
  return report.ok ? ExitCode.ok : ExitCode.failure;
}

/** The schema in code against the newest snapshot: a forgotten `generate`. */
async function schemaCheck(project: ProjectConfig, headers: Promise<SnapshotHeaders>): Promise<CheckResult> {
  const { schemaDiffersFromSnapshot } = await import('../drizzle/live/drift.js');
  try {
    const onKitV1 = await (await import('../drizzle/kit/schema-check.js')).schemaDiffersOnKitV1(project.drizzle);
    const result = onKitV1 ?? (await schemaDiffersFromSnapshot(project.drizzle, { headers }));
    return result.differs
      ? { id: 'schema', ok: false, message: 'the schema in code differs from the newest migration snapshot: run `dbctl generate`', details: result.summary }
      : { id: 'schema', ok: true, message: 'the schema in code matches the newest migration snapshot' };
  } catch (error) {
    return { id: 'schema', ok: false, message: `cannot compare the schema in code with the migrations: ${firstLine(error)}` };
  }
}

/** Journal, SQL files and snapshot chain agree. */
async function journalCheck(project: ProjectConfig, headers: Promise<SnapshotHeaders>): Promise<CheckResult> {
  const read = await readFolderFacts(project.drizzle.out, await headers);
  if ('folders' in read) {
    const { count, problems } = read.folders; // drizzle-kit 1.0's folder per migration
    return problems.length
      ? { id: 'journal', ok: false, message: `${problems.length} inconsistenc${problems.length === 1 ? 'y' : 'ies'} in ${project.drizzle.outRelative}`, details: problems }
      : { id: 'journal', ok: true, message: `${count} migration${count === 1 ? '' : 's'}; migration folders and snapshots (prevIds) agree` };
  }
  if ('unreadable' in read) {
    return { id: 'journal', ok: false, message: `${project.drizzle.outRelative}: ${read.unreadable}; restore it from git or run \`dbctl generate\`` };
  }
  const problems = checkFolder(read.facts);
  return problems.length
    ? { id: 'journal', ok: false, message: `${problems.length} inconsistenc${problems.length === 1 ? 'y' : 'ies'} in ${project.drizzle.outRelative}`, details: problems.map((p) => p.message) }
    : { id: 'journal', ok: true, message: `${read.facts.entries.length} migration${read.facts.entries.length === 1 ? '' : 's'}; journal, SQL files and snapshots agree` };
}

/** Review errors in the migrations under review. */
async function reviewCheck(
  ctx: CommandContext,
  project: ProjectConfig,
  folder: MigrationFolder,
  options: CheckOptions,
  live: Parameters<typeof reviewSelected>[4],
): Promise<CheckResult> {
  const { report } = await reviewSelected(ctx, project, folder, { tags: [], all: false, since: options.since, appliedBy: options.appliedBy }, live);
  const reviewed = report.migrations.map((m) => m.tag);
  const failing = report.migrations.flatMap((m) =>
    m.statements.flatMap((s) => s.findings.filter((f) => f.severity === 'error').map((f) => `${m.file}:${s.line} ${f.rule}: ${f.message}`)),
  );
  const what = reviewed.length ? reviewed.join(', ') : 'no migrations';
  if (failing.length) {
    return { id: 'review', ok: false, message: `${failing.length} review error${failing.length === 1 ? '' : 's'} in ${what}: run \`dbctl review\` for the fixes`, details: failing };
  }
  return { id: 'review', ok: true, message: `reviewed ${what}: no errors${report.summary.warnings ? ` (${report.summary.warnings} warnings)` : ''}` };
}

/** The `--env` environment and a connection to it (read-only use). */
interface OpenEnvironment {
  environment: ResolvedEnvironment;
  db: Database;
}

async function openEnvironment(ctx: CommandContext, project: ProjectConfig): Promise<OpenEnvironment> {
  const environment = targetEnvironment(ctx, project);
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
): Promise<CheckResult[]> {
  try {
    const status = await readStatus(db.sql, folder, historyTables(project));
    const pending = status.migrations.filter((m) => m.state === 'pending' || m.state === 'failed');
    const facts = readTableFacts(db.sql);
    const drift = driftCheck(db.sql, project, status, environment.name);
    const review = facts.then((known) => reviewCheck(ctx, project, folder, options, { pendingTags: pending.map((p) => p.migration.tag), facts: known }));
    const classes = pendingCheck(pending.map((p) => p.migration));
    for (const started of [drift, review, classes]) started.catch(() => undefined); // awaited below, in order
    return [await review, ...historyChecks(status, environment.name), await classes, await drift];
  } finally {
    await db.close();
  }
}

function historyChecks(status: MigrationStatus<LocalMigration>, env: string): CheckResult[] {
  const modified = status.migrations.filter((m) => m.state === 'modified').map((m) => m.migration.tag);
  const failed = status.migrations.filter((m) => m.state === 'failed').map((m) => m.migration.tag);
  return [
    modified.length
      ? { id: 'applied-unmodified', ok: false, message: `${modified.length} applied migration file${modified.length === 1 ? ' was' : 's were'} modified after being applied to ${env}: restore them from git and write a new migration instead`, details: modified }
      : { id: 'applied-unmodified', ok: true, message: `every applied migration matches its checksum in ${env}` },
    status.unknown.length
      ? { id: 'no-unknown-migrations', ok: false, message: `${env} has ${status.unknown.length} migration${status.unknown.length === 1 ? '' : 's'} this folder does not know: deploy from the branch that has them, or merge it first`, details: status.unknown.map((r) => `row ${r.id}: created_at ${r.createdAt}, hash ${r.hash.slice(0, 12)}…`) }
      : { id: 'no-unknown-migrations', ok: true, message: `${env} has no migrations unknown to the folder` },
    failed.length
      ? { id: 'no-failed-migrations', ok: false, message: `${failed.join(', ')} stopped part-way in ${env}: repair, then \`dbctl resolve ${failed[0]} --applied|--rolled-back --env ${env}\``, details: failed }
      : { id: 'no-failed-migrations', ok: true, message: `no migration stopped part-way in ${env}` },
  ];
}

/** Pending migrations with their statement classes (information: never fails). */
async function pendingCheck(pending: LocalMigration[]): Promise<CheckResult> {
  if (!pending.length) return { id: 'pending', ok: true, message: 'nothing pending' };
  const parser = await loadSqlParser();
  const details = pending.map((m) => {
    const counts = { safe: 0, locking: 0, destructive: 0 };
    for (const chunk of analyzeMigration(parser, m.statements)) counts[chunk.class]++;
    return `${m.tag}: ${Object.entries(counts).filter(([, n]) => n).map(([c, n]) => `${n} ${c}`).join(', ') || 'empty'}`;
  });
  return { id: 'pending', ok: true, message: `${pending.length} pending migration${pending.length === 1 ? '' : 's'} (\`dbctl migrate --dry-run\` shows the plan)`, details };
}

/** The live schema against the newest applied migration's snapshot. */
async function driftCheck(sql: Parameters<typeof readStatus>[0], project: ProjectConfig, status: MigrationStatus<LocalMigration>, env: string): Promise<CheckResult> {
  const { detectDrift } = await import('../drizzle/live/drift.js');
  const { emptySnapshot, snapshotOfMigration } = await import('../drizzle/live/code.js');
  const applied = status.migrations.filter((m) => m.state === 'applied');
  const newest = applied[applied.length - 1]?.migration.tag;
  try {
    const expected = newest ? await snapshotOfMigration(project.drizzle, newest) : await emptySnapshot(project.drizzle);
    const drift = await detectDrift(sql, project.drizzle, expected, { excludeSchemas: [project.history.schema] });
    return drift.drift
      ? { id: 'drift', ok: false, message: `the ${env} schema differs from what its applied migrations produce: run \`dbctl fix --env ${env}\` to write the repair as a migration`, details: drift.summary }
      : { id: 'drift', ok: true, message: `the ${env} schema matches its applied migrations${newest ? ` (up to ${newest})` : ''}` };
  } catch (error) {
    return { id: 'drift', ok: false, message: `cannot compare the ${env} schema with the migrations: ${firstLine(error)}` };
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
