/**
 * Which migrations a review reads and what it knows about them: the selection (named, all, added
 * since a git ref, pending in the environment, else the newest), the live facts read with `--env`,
 * the answers drizzle's snapshots record, and the settings every review checks first. Shared by
 * `review`, `check`, and the commands that review the migration they write.
 */
import type postgres from 'postgres';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ProjectConfig } from '../config/types.js';
import { contextBefore, selectForReview } from '../core/review-selection.js';
import { DbctlError } from '../errors.js';
import type { LocalMigration, MigrationFolder } from '../drizzle/folder.js';
import { answeredCreate } from '../review/snapshot-answers.js';
import { connect } from '../io/db.js';
import { filesAddedSince } from '../io/git.js';
import { readTableFacts } from '../io/table-facts.js';
import { reviewMigrations, validateRuleSettings } from '../review/engine.js';
import type { ReviewFacts, ReviewReport } from '../review/types.js';
import { loadSqlParser } from '../sql/parser.js';
import type { CommandContext } from './context.js';
import { throwIfAborted } from './run.js';
import { historyTables, readStatus, targetEnvironment } from './shared.js';

/** Who applies the migrations: `--applied-by` over `review.appliedBy`, default dbctl. */
export function appliedByDbctl(project: ProjectConfig, flag: string | undefined): boolean {
  if (flag !== undefined && flag !== 'dbctl' && flag !== 'drizzle-kit') {
    throw new DbctlError('USAGE', `--applied-by ${flag} is not a tool dbctl knows`, {
      hint: 'use --applied-by dbctl or --applied-by drizzle-kit',
    });
  }
  return (flag ?? project.review.appliedBy ?? 'dbctl') === 'dbctl';
}

/** Unknown rule ids or bad severities in `review.rules` are config errors (exit 2), all listed. */
export function assertRuleSettings(project: ProjectConfig): void {
  const problems = validateRuleSettings(project.review.rules);
  if (problems.length === 0) return;
  throw new DbctlError('CONFIG_INVALID', `review.rules has ${problems.length} problem${problems.length === 1 ? '' : 's'}`, {
    details: problems.map((p) => `  - review.rules.${p.rule}: ${p.message}`),
    hint: 'fix the rule ids in dbctl.config (the README lists every rule)',
  });
}

/** Which migrations to review, as `dbctl review` selects them. */
export interface ReviewSelection {
  tags: string[];
  all: boolean;
  since: string | undefined;
  appliedBy?: string | undefined;
}

/**
 * Selects and reviews migrations: the named ones, all, those added since a git ref, those pending
 * in the environment when `--env` is given, else the newest. Connects only with an explicit `--env`.
 */
export async function reviewSelected(
  ctx: CommandContext,
  project: ProjectConfig,
  folder: MigrationFolder,
  selection: ReviewSelection,
  live?: LiveFacts,
): Promise<{ report: ReviewReport; pendingTags: string[] | null }> {
  const known = live ?? (ctx.globals.envExplicit ? await readLiveFacts(ctx, project, folder) : undefined);
  const facts = known?.facts;
  const pendingTags = known?.pendingTags ?? null;
  assertRuleSettings(project);
  const byDbctl = appliedByDbctl(project, selection.appliedBy);
  const addedFiles = selection.since ? await filesAddedSince(selection.since, folder.dir, ctx.cwd) : null;
  const selected = selectForReview(folder.migrations, { tags: selection.tags, all: selection.all, addedFiles, pendingTags });
  // nothing to review (e.g. nothing pending): the context migrations would teach nothing anyone reads
  if (selected.length === 0) return { report: { migrations: [], summary: { errors: 0, warnings: 0 } }, pendingTags };
  const parser = await loadSqlParser();
  const report = reviewMigrations(
    {
      migrations: selected.map((m) => ({
        tag: m.tag,
        file: m.relativeFile,
        sql: m.text,
        // drizzle's snapshots are read only where a rule finds a possible unanswered rename (rare):
        // they show whether drizzle-kit asked and was answered "create"
        answeredCreate: () => snapshotAnswers(folder, m),
      })),
      rules: project.review.rules,
      appliedByDbctl: byDbctl,
      ...(facts ? { facts } : {}),
      context: contextBefore(folder.migrations, selected).map((m) => ({ tag: m.tag, sql: m.text })),
    },
    parser,
  );
  return { report, pendingTags };
}

/** A migration's snapshot file: 1.0's `<tag>/snapshot.json` beside `migration.sql`, else 0.31's `meta/<prefix>_snapshot.json`. */
function snapshotFile(folder: MigrationFolder, migration: LocalMigration): string {
  if (path.basename(migration.file) === 'migration.sql') return path.join(path.dirname(migration.file), 'snapshot.json');
  const at = migration.tag.indexOf('_');
  return path.join(folder.dir, 'meta', `${at < 0 ? migration.tag : migration.tag.slice(0, at)}_snapshot.json`);
}

/** Parsed JSON of a file, or undefined when it is missing or not JSON. */
function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * What drizzle's snapshots show was answered "create" in a migration (see review/snapshot-answers):
 * nothing when its snapshot, or its predecessor's, is missing.
 */
function snapshotAnswers(folder: MigrationFolder, migration: LocalMigration): string[] {
  const index = folder.migrations.indexOf(migration);
  const current = readJson(snapshotFile(folder, migration));
  if (current === undefined) return [];
  if (index <= 0) return answeredCreate(undefined, current);
  const previous = readJson(snapshotFile(folder, folder.migrations[index - 1]!));
  return previous === undefined ? [] : answeredCreate(previous, current);
}

/** What review reads from the environment's database: pending tags and table size estimates. */
export interface LiveFacts {
  pendingTags: string[];
  facts: ReviewFacts;
}

/** Reads pending migrations and table estimates from the environment (read-only). */
export async function readLiveFacts(ctx: CommandContext, project: ProjectConfig, folder: MigrationFolder): Promise<LiveFacts> {
  const environment = targetEnvironment(ctx, project);
  throwIfAborted(ctx.signal);
  const db = await connect(environment, { envName: environment.name, application: 'dbctl review' });
  try {
    return await liveFactsFrom(db.sql, project, folder);
  } finally {
    await db.close();
  }
}

/** The same, on an open connection. */
export async function liveFactsFrom(sql: postgres.Sql, project: ProjectConfig, folder: MigrationFolder): Promise<LiveFacts> {
  const status = await readStatus(sql, folder, historyTables(project));
  return {
    pendingTags: status.migrations.filter((m) => m.state === 'pending' || m.state === 'failed').map((m) => m.migration.tag),
    facts: await readTableFacts(sql),
  };
}
