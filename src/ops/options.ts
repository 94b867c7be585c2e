/**
 * The options of every operation (`src/ops/*.ts`, the package's API): the CLI's global flags
 * plus each command's own flags, in camelCase. One place, read by the ops, the API and the docs.
 */

/** Where an API call's human lines go (progress, warnings); without one, nowhere. */
export interface Reporter {
  /** A line of progress or result, as the CLI prints it (no colors). */
  info(line: string): void;
  /** A warning line, as the CLI prints it on stderr (no colors). */
  warn(line: string): void;
}

/** The options every operation takes: the CLI's global flags, plus where to run. */
export interface BaseOptions {
  /** The environment (`--env`); default `$DBCTL_ENV`, else the config's default. */
  env?: string;
  /** A database url for this run, replacing the environment's (`--url`). */
  url?: string;
  /** The dbctl config file (`--config`), relative to `cwd`. */
  config?: string;
  /** The project directory (where dbctl.config and `.env` are read); default `process.cwd()`. */
  cwd?: string;
  /** Confirms what the CLI would ask about (`--yes`); default false. */
  yes?: boolean;
  /** Extra detail in the reporter's lines (`--verbose`). */
  verbose?: boolean;
  /** Receives the human lines; without one nothing is written anywhere. */
  reporter?: Reporter;
  /**
   * Stops the run at its next safe point (before connecting, between migrations, while waiting
   * for the lock) with `DbctlError` code `ABORTED`; what was committed stays committed.
   */
  signal?: AbortSignal;
}

/** A duration as the CLI takes it (`500ms`, `5s`, `2m`), or milliseconds. */
export type Duration = string | number;

/** Options of `migrate()`: `dbctl migrate`'s flags in camelCase. */
export interface MigrateOptions extends BaseOptions {
  /** Apply up to and including this migration. */
  to?: string;
  /** Resolve to the plan and change nothing. */
  dryRun?: boolean;
  /** Allow destructive migrations on a protected environment (an API call never asks). */
  allowDestructive?: boolean;
  /** `false`: no backup before destructive migrations (`--no-backup`). */
  backup?: boolean;
  /** How long to wait for another run holding the migration lock (default 60s or migrate.wait). */
  wait?: Duration;
  /** PostgreSQL lock_timeout for each attempt (default 5s or migrate.lockTimeout). */
  lockTimeout?: Duration;
  /** PostgreSQL statement_timeout for migration statements (default none or migrate.statementTimeout). */
  statementTimeout?: Duration;
  /** Retry connecting until the database accepts connections, for this long. */
  waitForDb?: Duration;
  /** Tables/columns (`schema.table[.column]`, comma-separated) backed up before the first migration (`--backup-extra`). */
  backupExtra?: string;
}

/** Options of `review()`: which migrations, as `dbctl review` selects them. */
export interface ReviewOptions extends BaseOptions {
  /** Migration tags (or their NNNN prefix). */
  tags?: string[];
  /** Every migration. */
  all?: boolean;
  /** Migrations added since a git ref. */
  since?: string;
  /** Who applies the migrations: `dbctl` (default) or `drizzle-kit`. */
  appliedBy?: 'dbctl' | 'drizzle-kit';
}

/** Options of `check()`. */
export interface CheckOptions extends BaseOptions {
  /** Review the migrations added since a git ref. */
  since?: string;
  /** Who applies the migrations: `dbctl` (default) or `drizzle-kit`. */
  appliedBy?: 'dbctl' | 'drizzle-kit';
  /** Accept today's folder problems (writes dbctl.baseline.json). */
  baseline?: boolean;
}

/** Options of `generate()`. */
export interface GenerateOptions extends BaseOptions {
  /** Migration name. */
  name?: string;
  /** An empty migration for hand-written SQL. */
  custom?: boolean;
  /** Rename answers: `table.old_column=table.new_column`, `old_table=new_table`. */
  rename?: string[];
  /** "New" answers: `table.column` or `table`. */
  create?: string[];
}

/** Options of `fix()`. */
export interface FixOptions extends BaseOptions {
  /** Migration name (default fix_<env>). */
  name?: string;
  /** Rename answers, as for `generate()`. */
  rename?: string[];
  /** "New" answers, as for `generate()`. */
  create?: string[];
}

/** Options of `push()`. */
export interface PushOptions extends BaseOptions {
  /** Apply statements that lose data (never on a protected environment). */
  force?: boolean;
  /** Rename answers, as for `generate()`. */
  rename?: string[];
  /** "New" answers, as for `generate()`. */
  create?: string[];
}

/** Options of `backup()`. */
export interface BackupOptions extends BaseOptions {
  /** Tables to back up (schema.table, public by default); default every table of the user schemas. */
  tables?: string | string[];
}

/** Options of `restore()`. */
export interface RestoreOptions extends BaseOptions {
  /** The backup id (see `backups()`). */
  id: string;
  /** Restore only these tables. */
  tables?: string | string[];
  /** Restore into another schema, for inspection. */
  intoSchema?: string;
  /** Replace values written since the backup. */
  overwrite?: boolean;
  /** Allow restoring into a protected environment. */
  allowRestore?: boolean;
}

/** Options of `revert()`. */
export interface RevertOptions extends BaseOptions {
  /** The migration to undo (or its NNNN prefix). */
  tag: string;
  /** Migration name (default revert_<TAG>). */
  name?: string;
}

/** Options of `drop()`. */
export interface DropOptions extends BaseOptions {
  /** The first migration to remove; default the newest. */
  tag?: string;
}

/** Options of `resolve()`: exactly one of `applied` and `rolledBack`. */
export interface ResolveOptions extends BaseOptions {
  /** The failed migration. */
  tag: string;
  /** The migration is now fully applied. */
  applied?: boolean;
  /** The migration was undone; apply it again later. */
  rolledBack?: boolean;
  /** Record a migration that has no failed record (applied or undone by hand outside dbctl). */
  force?: boolean;
}

/** Options of `init()`: which templates to write besides the config. */
export interface InitOptions extends BaseOptions {
  /** A container entrypoint that migrates, then starts the app (+ Dockerfile lines). */
  entrypoint?: boolean;
  /** A GitHub Actions workflow. */
  githubActions?: boolean;
  /** A Kubernetes Job and init-container example. */
  kubernetes?: boolean;
  /** Every template. */
  all?: boolean;
  /** Overwrite existing files. */
  force?: boolean;
}
