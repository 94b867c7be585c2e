/**
 * The shapes of dbctl's configuration: what users write (`UserConfig`, untrusted) and what the rest
 * of dbctl reads (`ProjectConfig`, trusted, produced once by `loadProject`).
 */

import type { ConnectionTarget } from '../core/url.js';

/** A lazily read environment variable, made by `env('NAME')`. */
export interface EnvReference {
  readonly __dbctlEnv: string;
}

/** A url as users may write it: a string, `env:NAME`, `env('NAME')`, or unset. */
export type UrlInput = string | EnvReference | undefined | null;

/** One environment as written in dbctl.config. */
export interface UserEnvironment {
  url?: UrlInput;
  /**
   * The session-level (direct) connection, when `url` goes through a transaction pooler (PgBouncer,
   * Neon's `-pooler` host, Supabase's port 6543): migrate, status, resolve, backup, restore, fix and
   * check connect through it; push uses `url`. Guards judge both.
   */
  directUrl?: UrlInput;
  /** Marks the environment as production-like: push refused, destructive migrations need a flag. */
  protected?: boolean;
}

/** The tool that applies the migrations, for review (`review.appliedBy`, `--applied-by`). */
export type ReviewAppliedBy = 'dbctl' | 'drizzle-kit';

/** Severity a user may give a review rule. */
export type RuleSetting = 'error' | 'warning' | 'off';

/** What users write in dbctl.config.{ts,mts,js,mjs,json}. */
export interface UserConfig {
  /** Path to the drizzle config, relative to the dbctl config. Default `./drizzle.config.ts`. */
  drizzleConfig?: string;
  environments?: Record<string, UserEnvironment | string>;
  protect?: { hosts?: string[] };
  backup?: {
    /** Directory for `dir` backups, relative to the project. Default `.dbctl/backups`. */
    dir?: string;
    /** Where backups go: a local directory (default) or a `dbctl_backups` schema in the same database. */
    target?: 'dir' | 'database';
    /** Keep the newest N backups per environment (default: keep all). */
    keep?: number;
  };
  migrate?: {
    /** PostgreSQL lock_timeout for each attempt of a migration, e.g. `5s`. */
    lockTimeout?: string;
    /** PostgreSQL statement_timeout for migration statements, e.g. `10m`; `0` disables. */
    statementTimeout?: string;
    /** How long to wait for another run's migration lock, e.g. `60s`. */
    wait?: string;
    /** How many times a lock timeout is retried before the run fails. */
    lockRetries?: number;
  };
  review?: {
    /** Per-rule severity override or `off`. */
    rules?: Record<string, RuleSetting>;
    /**
     * Which tool applies the migrations (default `dbctl`). With `drizzle-kit` (drizzle-kit migrate,
     * drizzle-orm's migrate()), review also reports what dbctl's apply engine would handle: no
     * lock_timeout / statement_timeout, CONCURRENTLY inside the one transaction, enum values
     * added and used in one transaction.
     */
    appliedBy?: ReviewAppliedBy;
  };
  history?: {
    /** Schema of dbctl's own history table. Default `dbctl`. */
    schema?: string;
  };
  /** A server where dbctl may create and drop scratch databases (replaying migrations for drift and fix). */
  shadow?: { url?: string | EnvReference };
  check?: {
    /** Folder problems recorded as accepted (they predate the baseline): `prevId@0066`, `orphan@0012_x`, ... */
    acceptJournal?: string[];
  };
}

/** An environment after validation; its url is resolved only on demand. */
export interface EnvironmentConfig {
  name: string;
  url: UrlInput;
  /** `directUrl` as written; resolved only when the environment is selected. */
  directUrl?: UrlInput;
  protected: boolean | undefined;
}

/** What dbctl reads from the drizzle config, with drizzle-kit's defaults applied. */
export interface DrizzleSettings {
  /** Absolute path of the drizzle config file. */
  configPath: string;
  /**
   * Directory `out` and `schema` are relative to. drizzle-kit resolves them against its working
   * directory (not the config's folder), so this is the project directory: run drizzle-kit here.
   */
  baseDir: string;
  dialect: string;
  /** Schema file(s) or glob(s), as written; drizzle-kit resolves them against `baseDir` (its working directory). */
  schema: string | string[] | undefined;
  /** Absolute path of the migrations folder (`out`, default `drizzle`). */
  out: string;
  /** `out` as written (relative), for messages and drizzle-kit calls. */
  outRelative: string;
  migrationsTable: string;
  migrationsSchema: string;
  /** drizzle-kit `migrations.prefix`: index, timestamp, supabase, unix, none. */
  prefix: string;
  casing: 'camelCase' | 'snake_case' | undefined;
  /** drizzle config's `dbCredentials.url`, when it has one (used when no environment gives a url). */
  url: string | undefined;
  /** `schemaFilter`, `tablesFilter`, `extensionsFilters` as written, passed through to drizzle-kit. */
  schemaFilter: string[] | undefined;
  tablesFilter: string | string[] | undefined;
  extensionsFilters: string[] | undefined;
  strict: boolean | undefined;
  verbose: boolean | undefined;
  /** drizzle-kit `breakpoints` (default true): `--> statement-breakpoint` between generated statements. */
  breakpoints: boolean;
}

/** The trusted, fully validated project configuration. */
export interface ProjectConfig {
  /** Directory commands run from; relative paths in messages are relative to it. */
  projectDir: string;
  /** Absolute path of the dbctl config, or null when none was found (defaults apply). */
  configPath: string | null;
  drizzle: DrizzleSettings;
  environments: Record<string, EnvironmentConfig>;
  protectHosts: string[];
  backup: { dir: string; target: 'dir' | 'database'; keep: number | undefined };
  migrate: { lockTimeoutMs: number; statementTimeoutMs: number; waitMs: number; lockRetries: number };
  /** `appliedBy` is absent when the config does not set it (the default is `dbctl`). */
  review: { rules: Record<string, RuleSetting>; appliedBy?: ReviewAppliedBy };
  history: { schema: string };
  /** `shadow.url` as written (resolved only when a scratch database is needed). */
  shadow?: { url: UrlInput };
  /** `check.acceptJournal`: accepted folder problems. */
  check?: { acceptJournal: string[] };
}

/** The environment a command targets, with its url resolved and its protection decided. */
export interface ResolvedEnvironment {
  name: string;
  url: string;
  protected: boolean;
  /** Why it is protected (config flag, name token, url host/database token, host glob). */
  protectionReasons: string[];
  /** Which url `url` is, when not the environment's `url`: its `directUrl`, or `--url`. */
  via?: 'directUrl' | '--url';
  /** Where `url` connects, resolved once (query parameters, PG* variables, sockets): what every connection uses. */
  connection: ConnectionTarget;
  /** `protect.hosts`, to judge the server's own address once connected. */
  protectHosts: readonly string[];
}
