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
import type { CommandContext } from './ops/context.js';
import { DbctlError, isDbctlError } from './errors.js';

import type * as Options from './ops/options.js';

import type * as Documents from './render/documents.js';

/** Applies pending migrations (`dbctl migrate --json`). */
export function migrate(options: Options.MigrateOptions = {}): Promise<Documents.MigrateDocument> {
  return call('migrate', options, async (ctx) => (await import('./ops/migrate.js')).migrate(options, ctx));
}

/** Applied, pending, failed, modified and unknown migrations (`dbctl status --json`). */
export function status(options: Options.BaseOptions = {}): Promise<Documents.StatusDocument> {
  return call('status', options, async (ctx) => (await import('./ops/status.js')).status(options, ctx));
}

/** Reviews migrations (`dbctl review --format json`); review errors reject with exit 1 and the report. */
export function review(options: Options.ReviewOptions = {}): Promise<Documents.ReviewReport> {
  return call('review', options, async (ctx) => (await import('./ops/review.js')).review(options, ctx));
}

/** The pre-deploy gate (`dbctl check --format json`); a failed check rejects with exit 1 and the report. */
export function check(options: Options.CheckOptions = {}): Promise<Documents.CheckReport> {
  return call('check', options, async (ctx) => (await import('./ops/check.js')).check(options, ctx));
}

/**
 * drizzle-kit generate without prompts, then review (`dbctl generate --json`). Review errors in the
 * new migration reject (exit 1) with the document, as the CLI exits 1: the migration is written.
 */
export function generate(options: Options.GenerateOptions = {}): Promise<Documents.GenerateDocument> {
  return call('generate', options, async (ctx) => (await import('./ops/generate.js')).generate(options, ctx));
}

/** Writes the migration taking the live database to what the applied migrations produce (`dbctl fix --json`). */
export function fix(options: Options.FixOptions = {}): Promise<Documents.FixDocument> {
  return call('fix', options, async (ctx) => (await import('./ops/fix.js')).fix(options, ctx));
}

/** drizzle-kit push, refused on a protected environment (`dbctl push --json`). */
export function push(options: Options.PushOptions = {}): Promise<Documents.PushDocument> {
  return call('push', options, async (ctx) => (await import('./ops/push.js')).push(options, ctx));
}

/** Backs up tables now (`dbctl backup --json`). */
export function backup(options: Options.BackupOptions = {}): Promise<Documents.BackupDocument> {
  return call('backup', options, async (ctx) => (await import('./ops/backup.js')).backup(options, ctx));
}

/** Lists backups (`dbctl backups --json`). */
export function backups(options: Options.BaseOptions = {}): Promise<Documents.BackupsDocument> {
  return call('backups', options, async (ctx) => (await import('./ops/backups.js')).backups(options, ctx));
}

/** Restores a backup (`dbctl restore ID --json`). */
export function restore(options: Options.RestoreOptions): Promise<Documents.RestoreDocument> {
  return call('restore', options, async (ctx) => (await import('./ops/restore.js')).restore(options, ctx));
}

/** Writes a new migration undoing a migration's schema changes (`dbctl revert TAG --json`). */
export function revert(options: Options.RevertOptions): Promise<Documents.RevertDocument> {
  return call('revert', options, async (ctx) => (await import('./ops/revert.js')).revert(options, ctx));
}

/** Removes the newest migration(s) when applied nowhere dbctl can see (`dbctl drop [TAG] --json`). */
export function drop(options: Options.DropOptions = {}): Promise<Documents.DropDocument> {
  return call('drop', options, async (ctx) => (await import('./ops/drop.js')).drop(options, ctx));
}

/** Records the outcome of a failed migration after manual repair (`dbctl resolve TAG --json`). */
export function resolve(options: Options.ResolveOptions): Promise<Documents.ResolveDocument> {
  if (Boolean(options.applied) === Boolean(options.rolledBack)) {
    return Promise.reject(new DbctlError('USAGE', 'resolve needs exactly one of applied: true and rolledBack: true'));
  }
  return call('resolve', options, async (ctx) => (await import('./ops/resolve.js')).resolve(options, ctx));
}

/** Writes dbctl.config.ts and, when asked, the deploy templates fitted to the project (`dbctl init --json`). */
export function init(options: Options.InitOptions = {}): Promise<Documents.InitDocument> {
  return call('init', options, async (ctx) => (await import('./ops/init.js')).init(options, ctx));
}

/**
 * Runs one operation for an API caller in a context built from its options (lines to its reporter,
 * never interactive): the document comes back, and a thrown error rejects as a `DbctlError`
 * (anything else wrapped as `OPERATION_FAILED`), both with every secret the run met scrubbed.
 */
async function call<Document>(
  name: string,
  options: Options.BaseOptions,
  operation: (ctx: CommandContext) => Promise<Document>,
): Promise<Document> {
  let redact = (text: string) => text;
  try {
    const [{ opContext }, { redactStrings }] = await Promise.all([import('./ops/run.js'), import('./io/output.js')]);
    const ctx = await opContext(options);
    redact = ctx.out.redact;
    return redactStrings(await operation(ctx), redact) as Document;
  } catch (error) {
    const rejected = rejection(name, error, (error as { document?: unknown } | undefined)?.document);
    if (rejected.document !== undefined) rejected.document = (await import('./io/output.js')).redactStrings(rejected.document, redact);
    throw scrubbed(rejected, redact);
  }
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
