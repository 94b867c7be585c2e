/**
 * The steps most commands share: load the project, pick the environment, read the migrations
 * folder, connect, and read where each migration stands.
 */
import type postgres from 'postgres';
import { loadProject, resolveEnvironment } from '../config/index.js';
import type { ProjectConfig, ResolvedEnvironment } from '../config/types.js';
import { secretsOf, describeUrl } from '../core/url.js';
import { markCosmetic, planStatus, type MigrationStatus } from '../core/plan.js';
import { readMigrationFolder, type LocalMigration, type MigrationFolder } from '../drizzle/folder.js';
import { readDrizzleRows, readHistoryLatest, type HistoryTables } from '../io/history.js';
import type { CommandContext } from './context.js';

/** Loads and validates the project config (never resolves a database url). */
export async function openProject(ctx: CommandContext): Promise<ProjectConfig> {
  return await loadProject({ cwd: ctx.cwd, configPath: ctx.globals.config, env: ctx.env });
}

/** Resolves the target environment and registers its password for redaction. */
export function targetEnvironment(ctx: CommandContext, project: ProjectConfig): ResolvedEnvironment {
  const environment = resolveEnvironment(project, { envName: ctx.globals.env, urlOverride: ctx.globals.url, env: ctx.env });
  ctx.out.addSecrets(secretsOf(environment.url));
  return environment;
}

/** Reads the project's migrations folder. */
export async function openFolder(project: ProjectConfig): Promise<MigrationFolder> {
  return await readMigrationFolder(project.drizzle.out, project.projectDir);
}

/** Where drizzle's table and dbctl's history live for this project. */
export function historyTables(project: ProjectConfig): HistoryTables {
  return {
    drizzleSchema: project.drizzle.migrationsSchema,
    drizzleTable: project.drizzle.migrationsTable,
    historySchema: project.history.schema,
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

/** `development (user@host:5432/app)` for headers. */
export function environmentLabel(environment: ResolvedEnvironment): string {
  return `${environment.name} (${describeUrl(environment.url)})${environment.protected ? ' [protected]' : ''}`;
}
