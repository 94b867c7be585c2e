/**
 * The steps most commands share: load the project, pick the environment, read the migrations
 * folder, connect, and read where each migration stands.
 */
import path from 'node:path';
import type postgres from 'postgres';
import { loadProject, resolveEnvironment } from '../config/index.js';
import { environmentSecrets } from '../config/resolve.js';
import type { ProjectConfig, ResolvedEnvironment } from '../config/types.js';
import { secretsOf, describeTarget } from '../core/url.js';
import { osUsername } from '../io/db.js';
import {
  markCosmetic,
  planStatus,
  type DrizzleRow,
  type MigrationStatus,
  type PlanMigration,
  type PlannedMigration,
} from '../core/plan.js';
import { readMigrationFolder, type LocalMigration, type MigrationFolder } from '../drizzle/folder.js';
import { readDrizzleRows, readHistoryLatest, type HistoryTables } from '../io/history.js';
import type { CommandContext } from './context.js';

/** Loads and validates the project config (never resolves a database url). */
export async function openProject(ctx: CommandContext): Promise<ProjectConfig> {
  return await loadProject({ cwd: ctx.cwd, configPath: ctx.globals.config, env: ctx.env });
}

/**
 * Resolves the target environment and registers its password for redaction. `use: 'url'` (push)
 * connects through the environment's `url`; every other command through its `directUrl` when set.
 */
export function targetEnvironment(ctx: CommandContext, project: ProjectConfig, use: 'session' | 'url' = 'session'): ResolvedEnvironment {
  const environment = resolveEnvironment(project, {
    envName: ctx.globals.env,
    urlOverride: ctx.globals.url,
    env: ctx.env,
    use,
    osUser: osUsername(),
  });
  ctx.out.addSecrets(environmentSecrets(project, environment.name, ctx.env));
  ctx.out.addSecrets(secretsOf(environment.url));
  if (environment.connection.password) ctx.out.addSecrets([environment.connection.password]);
  return environment;
}

/** Reads the project's migrations folder. */
export async function openFolder(project: ProjectConfig): Promise<MigrationFolder> {
  return await readMigrationFolder(project.drizzle.out, project.projectDir);
}

/**
 * A note for each SQL file the journal does not list, unless the project accepted it
 * (`check.acceptJournal`: `orphan@<tag>`): "nothing pending" must not read as "that file is applied".
 */
export function noteUnlisted(ctx: CommandContext, project: ProjectConfig, folder: MigrationFolder): void {
  const accepted = new Set(project.check?.acceptJournal ?? []);
  for (const file of folder.unlisted ?? []) {
    if (accepted.has(`orphan@${path.basename(file, '.sql')}`)) continue;
    ctx.out.warn(`note: ${file} is not in the journal: neither drizzle-kit nor dbctl applies it (\`dbctl check\` says what to do)`);
  }
}

/**
 * Where drizzle's table and dbctl's history live for this project; with the run's output, history
 * rows written through it are scrubbed of the run's secrets as everything printed is.
 */
export function historyTables(project: ProjectConfig, out?: { redact(text: string): string }): HistoryTables {
  return {
    drizzleSchema: project.drizzle.migrationsSchema,
    drizzleTable: project.drizzle.migrationsTable,
    historySchema: project.history.schema,
    ...(out ? { redact: (text: string) => out.redact(text) } : {}),
  };
}

/** The lock scope: one migration lock per drizzle migrations table. */
export function lockScope(tables: HistoryTables): string {
  return `${tables.drizzleSchema}.${tables.drizzleTable}`;
}

/** Reads drizzle's rows and dbctl's history and matches them against the folder. Read-only. */
export async function readStatus(
  sql: postgres.Sql,
  folder: MigrationFolder,
  tables: HistoryTables,
): Promise<MigrationStatus<LocalMigration>> {
  const [rows, history] = await Promise.all([readDrizzleRows(sql, tables), readHistoryLatest(sql, tables)]);
  const status = planStatus(folder.migrations, rows, history);
  // a changed file is looked into only when there is one: comments and white space are `cosmetic`
  const modified = status.migrations.filter((m) => m.state === 'modified' && m.row);
  if (modified.length === 0) return status;
  const { cosmeticTags } = await import('../io/cosmetic.js');
  return markCosmetic(status, await cosmeticTags(modified.map((m) => ({ migration: m.migration, appliedHash: m.row!.hash }))));
}

/** What stands between the folder and the database's record: the history-consistency decision. */
export interface HistoryConsistency<M extends PlanMigration = LocalMigration> {
  /** True when nothing is modified, unknown or failed part-way (cosmetic changes are fine). */
  ok: boolean;
  /** Applied migrations whose file changed since (checksum differs). */
  modified: PlannedMigration<M>[];
  /** Applied migrations changed since only in comments or white space: a note, not a problem. */
  cosmetic: PlannedMigration<M>[];
  /** Database rows no migration in the folder matches. */
  unknown: DrizzleRow[];
  /** Migrations an earlier run left stopped part-way (`dbctl resolve` first). */
  failed: PlannedMigration<M>[];
}

/**
 * The one history-consistency decision (migrate refuses on it, check reports it): modified,
 * unknown or part-way failed migrations mean the database's record and the folder disagree.
 */
export function historyConsistency<M extends PlanMigration>(status: MigrationStatus<M>): HistoryConsistency<M> {
  const modified = status.migrations.filter((m) => m.state === 'modified');
  const failed = status.migrations.filter((m) => m.state === 'failed');
  const cosmetic = status.migrations.filter((m) => m.state === 'cosmetic');
  return { ok: modified.length + failed.length + status.unknown.length === 0, modified, cosmetic, unknown: status.unknown, failed };
}

/** `development (user@host:5432/app)` for headers: where the connection really goes, from its one resolution. */
export function environmentLabel(environment: ResolvedEnvironment): string {
  const via = environment.via === 'directUrl' ? ' via directUrl' : '';
  return `${environment.name} (${describeTarget(environment.connection)}${via})${environment.protected ? ' [protected]' : ''}`;
}
