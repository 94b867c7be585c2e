/**
 * dbctl's programmatic API: the commands as async functions for apps that migrate at boot, in a
 * serverless function or in a test setup. Each runs the very command the CLI runs (same config,
 * guards, advisory lock, backups) and resolves to the document that command's `--json` prints.
 *
 * - Nothing exits the process, nothing prompts (an API call is never interactive: a protected
 *   environment's destructive migration needs `allowDestructive: true`), and nothing is written to
 *   the terminal unless a `reporter` is given.
 * - A run that ends with a non-zero exit code rejects with a `DbctlError` whose `exitCode` is that
 *   code and whose `document` is the `--json` document when the command produced one; a
 *   `DbctlError` the command throws rejects as it is (with `document` added when there is one).
 * - This module imports no command at load time: `import('dbctl')` stays cheap, and each command
 *   loads on its first call.
 */
import type { CommandContext, CommandRun } from './commands/context.js';
import type { Output } from './io/output.js';
import type { MigrateDocument } from './render/migrate.js';
import type { ReviewReport } from './review/types.js';
import type { CheckReport } from './render/check.js';
import type { PushDocument } from './commands/push.js';
import type { DropDocument } from './commands/drop.js';
import type { FixDocument } from './commands/fix.js';
import type { RevertDocument } from './commands/revert.js';
import { DbctlError, ERROR_CODES, ExitCode, isDbctlError, type DbctlErrorCode } from './errors.js';

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
}

/** `status()`'s document. */
export type StatusDocument = ReturnType<typeof import('./render/status.js').statusDocument>;
/** `backup()`'s document. */
export type BackupDocument = ReturnType<typeof import('./backup/render.js').backupDocument>;
/** `backups()`'s document. */
export type BackupsDocument = ReturnType<typeof import('./backup/render.js').backupsDocument>;
/** `restore()`'s document. */
export type RestoreDocument = ReturnType<typeof import('./backup/render.js').restoreDocument>;
/** `generate()`'s document. */
export interface GenerateDocument {
  /** The migration written; null when the schema had no changes. */
  migration: { tag: string; idx: number; file: string; snapshot: string; journal: string | null; custom: boolean; statements: number } | null;
  renames: import('./drizzle/generate/types.js').AppliedRename[];
  /** The new migration's review; null when nothing was written. */
  review: ReviewReport | null;
}
/** `resolve()`'s document. */
export interface ResolveDocument {
  env: string;
  tag: string;
  resolved: 'applied' | 'rolled-back';
}
export type { MigrateDocument, ReviewReport, CheckReport, PushDocument, DropDocument, FixDocument, RevertDocument };

/** Applies pending migrations (`dbctl migrate --json`). */
export function migrate(options: MigrateOptions = {}): Promise<MigrateDocument> {
  return run('migrate', options, async () => (await import('./commands/migrate.js')).runMigrate, {
    to: options.to,
    dryRun: options.dryRun,
    allowDestructive: options.allowDestructive,
    backup: options.backup,
    wait: duration(options.wait),
    lockTimeout: duration(options.lockTimeout),
    statementTimeout: duration(options.statementTimeout),
    waitForDb: duration(options.waitForDb),
  });
}

/** Applied, pending, failed, modified and unknown migrations (`dbctl status --json`). */
export function status(options: BaseOptions = {}): Promise<StatusDocument> {
  return run('status', options, async () => (await import('./commands/status.js')).runStatus, {});
}

/** Reviews migrations (`dbctl review --format json`); review errors reject with exit 1 and the report. */
export function review(options: ReviewOptions = {}): Promise<ReviewReport> {
  return run('review', options, async () => (await import('./commands/review.js')).runReview, {
    args: options.tags ?? [],
    all: options.all,
    since: options.since,
    appliedBy: options.appliedBy,
    format: 'json',
  });
}

/** The pre-deploy gate (`dbctl check --format json`); a failed check rejects with exit 1 and the report. */
export function check(options: CheckOptions = {}): Promise<CheckReport> {
  return run('check', options, async () => (await import('./commands/check.js')).runCheck, {
    since: options.since,
    appliedBy: options.appliedBy,
    baseline: options.baseline,
    format: 'json',
  });
}

/**
 * drizzle-kit generate without prompts, then review (`dbctl generate --json`). Review errors in the
 * new migration reject (exit 1) with the document, as the CLI exits 1: the migration is written.
 */
export function generate(options: GenerateOptions = {}): Promise<GenerateDocument> {
  return run('generate', options, async () => (await import('./commands/generate.js')).runGenerate, {
    name: options.name,
    custom: options.custom,
    rename: options.rename,
    create: options.create,
  });
}

/** Writes the migration taking the live database to what the applied migrations produce (`dbctl fix --json`). */
export function fix(options: FixOptions = {}): Promise<FixDocument> {
  return run('fix', options, async () => (await import('./commands/fix.js')).runFix, {
    name: options.name,
    rename: options.rename,
    create: options.create,
  });
}

/** drizzle-kit push, refused on a protected environment (`dbctl push --json`). */
export function push(options: PushOptions = {}): Promise<PushDocument> {
  return run('push', options, async () => (await import('./commands/push.js')).runPush, {
    force: options.force,
    rename: options.rename,
    create: options.create,
  });
}

/** Backs up tables now (`dbctl backup --json`). */
export function backup(options: BackupOptions = {}): Promise<BackupDocument> {
  return run('backup', options, async () => (await import('./commands/backup.js')).runBackup, { tables: list(options.tables) });
}

/** Lists backups (`dbctl backups --json`). */
export function backups(options: BaseOptions = {}): Promise<BackupsDocument> {
  return run('backups', options, async () => (await import('./commands/backups.js')).runBackups, {});
}

/** Restores a backup (`dbctl restore ID --json`). */
export function restore(options: RestoreOptions): Promise<RestoreDocument> {
  return run('restore', options, async () => (await import('./commands/restore.js')).runRestore, {
    args: [options.id],
    tables: list(options.tables),
    intoSchema: options.intoSchema,
    overwrite: options.overwrite,
    allowRestore: options.allowRestore,
  });
}

/** Writes a new migration undoing a migration's schema changes (`dbctl revert TAG --json`). */
export function revert(options: RevertOptions): Promise<RevertDocument> {
  return run('revert', options, async () => (await import('./commands/revert.js')).runRevert, {
    args: [options.tag],
    name: options.name,
  });
}

/** Removes the newest migration(s) when applied nowhere dbctl can see (`dbctl drop [TAG] --json`). */
export function drop(options: DropOptions = {}): Promise<DropDocument> {
  return run('drop', options, async () => (await import('./commands/drop.js')).runDrop, {
    args: options.tag === undefined ? [] : [options.tag],
  });
}

/** Records the outcome of a failed migration after manual repair (`dbctl resolve TAG --json`). */
export function resolve(options: ResolveOptions): Promise<ResolveDocument> {
  if (Boolean(options.applied) === Boolean(options.rolledBack)) {
    return Promise.reject(new DbctlError('USAGE', 'resolve needs exactly one of applied: true and rolledBack: true'));
  }
  return run('resolve', options, async () => (await import('./commands/resolve.js')).runResolve, {
    args: [options.tag],
    applied: options.applied,
    rolledBack: options.rolledBack,
  });
}

/** A duration option as the command's flag text. */
function duration(value: Duration | undefined): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  if (!Number.isSafeInteger(value) || value < 0) throw new DbctlError('USAGE', `${value} is not a duration in milliseconds`, { hint: 'give a whole number of milliseconds, or a text such as 5s' });
  return `${value}ms`;
}

/** A table list option as the command's comma-separated flag text. */
function list(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Runs one command as the CLI would with `--json` and without a terminal: builds its context,
 * captures its document, and turns a non-zero exit code into a rejection.
 */
async function run<Document>(
  name: string,
  options: BaseOptions,
  load: () => Promise<CommandRun<never>>,
  commandOptions: Record<string, unknown>,
): Promise<Document> {
  const captured = { document: undefined as unknown, text: '' };
  let code: number;
  let redact = (text: string) => text;
  try {
    const ctx = await apiContext(options, captured);
    redact = ctx.out.redact;
    const command = (await load()) as CommandRun<Record<string, unknown>>;
    code = await command(ctx, commandOptions);
    if (captured.document === undefined && captured.text.trim() !== '') captured.document = JSON.parse(captured.text);
  } catch (error) {
    throw scrubbed(rejection(name, error, captured.document), redact);
  }
  if (code === ExitCode.ok) return captured.document as Document;
  throw exitError(name, code, captured.document);
}

/** The CommandContext of an API call: `--json`, never interactive, output captured. */
async function apiContext(options: BaseOptions, captured: { document: unknown; text: string }): Promise<CommandContext> {
  const [{ loadDotenv }, { liveEnvironment }, { redactText, secretsOf }, { redactStrings }, { stripVTControlCharacters }] = await Promise.all([
    import('./io/dotenv.js'),
    import('./io/process-env.js'),
    import('./core/url.js'),
    import('./io/output.js'),
    import('node:util'),
  ]);
  const cwd = options.cwd ?? process.cwd();
  const secrets = new Set<string>();
  const redact = (text: string) => redactText(text, [...secrets]);
  const line = (text: string) => stripVTControlCharacters(redact(text));
  const reporter = options.reporter;
  let jsonWritten = false;
  const out: Output = {
    json: true,
    color: false,
    interactive: false,
    tty: false,
    verbose: Boolean(options.verbose),
    info: (text) => reporter?.info(line(text)),
    warn: (text) => reporter?.warn(line(text)),
    writeJson: (document) => {
      jsonWritten = true;
      captured.document = redactStrings(document, redact);
    },
    get jsonWritten() {
      return jsonWritten;
    },
    writeStdout: (text) => void (captured.text += redact(text)),
    addSecrets: (found) => found.forEach((secret) => secret && secrets.add(secret)),
    redact,
  };
  out.addSecrets(secretsOf(options.url));
  const globals = {
    env: options.env ?? (process.env.DBCTL_ENV || undefined),
    envExplicit: options.env !== undefined,
    url: options.url,
    config: options.config,
    json: true,
    yes: Boolean(options.yes),
    verbose: Boolean(options.verbose),
  };
  loadDotenv(cwd, process.env);
  return { cwd, globals, out, env: liveEnvironment() };
}

/** What a thrown error rejects with: a DbctlError as it is (plus the run's document), anything else wrapped. */
function rejection(name: string, error: unknown, document: unknown): DbctlError {
  if (isDbctlError(error)) {
    if (document !== undefined && error.document === undefined) error.document = document;
    return error;
  }
  const wrapped = new DbctlError('OPERATION_FAILED', `dbctl ${name} failed: ${error instanceof Error ? error.message : String(error)}`, {
    hint: 'pass verbose: true and a reporter for details, and report it if it looks like a dbctl bug',
    cause: error,
  });
  if (document !== undefined) wrapped.document = document;
  return wrapped;
}

/**
 * The error with every known secret (the url's and the environment's passwords) scrubbed from its
 * message, details, hint and stack, as the CLI scrubs what it prints.
 */
function scrubbed(error: DbctlError, redact: (text: string) => string): DbctlError {
  error.message = redact(error.message);
  error.details.splice(0, error.details.length, ...error.details.map(redact));
  if (error.hint !== undefined) (error as { hint: string | undefined }).hint = redact(error.hint);
  if (error.stack !== undefined) error.stack = redact(error.stack);
  return error;
}

/** The rejection for a command that returned a non-zero exit code (its outcome is in the document). */
function exitError(name: string, exitCode: number, document: unknown): DbctlError {
  const fromDocument = (document as { error?: { code?: string; message?: string } } | undefined)?.error;
  const documented = fromDocument?.code as DbctlErrorCode | undefined;
  const code: DbctlErrorCode =
    documented && documented in ERROR_CODES && ERROR_CODES[documented] === exitCode ? documented : defaultCode(name, exitCode);
  const error = new DbctlError(code, fromDocument?.message ?? summary(name, document) ?? `dbctl ${name} failed (exit ${exitCode})`, {
    hint: 'the error\'s `document` holds the full result',
  });
  error.document = document;
  return error;
}

/** The documented code for an exit code a command returned without throwing. */
function defaultCode(name: string, exitCode: number): DbctlErrorCode {
  switch (exitCode) {
    case ExitCode.usage:
      return 'USAGE';
    case ExitCode.refused:
      return 'REFUSED';
    case ExitCode.unreachable:
      return 'DB_UNREACHABLE';
    case ExitCode.lockTimeout:
      return 'LOCK_TIMEOUT';
    default:
      return name === 'migrate' ? 'MIGRATION_FAILED' : 'OPERATION_FAILED';
  }
}

/** One line saying why a check or review failed, from its document. */
function summary(name: string, document: unknown): string | undefined {
  const doc = document as { checks?: { id: string; ok: boolean }[]; summary?: { errors?: number } } | undefined;
  if (doc?.checks) return `dbctl ${name} failed: ${doc.checks.filter((c) => !c.ok).map((c) => c.id).join(', ')}`;
  if (typeof doc?.summary?.errors === 'number') return `dbctl ${name} found ${doc.summary.errors} error${doc.summary.errors === 1 ? '' : 's'}`;
  return undefined;
}
