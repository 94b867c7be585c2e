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
import type { CommandContext, CommandRun } from './ops/context.js';
import type { Output } from './io/output.js';
import { DbctlError, ERROR_CODES, ExitCode, isDbctlError, type DbctlErrorCode } from './errors.js';

export type * from './ops/options.js';
import type { BaseOptions, MigrateOptions, ReviewOptions, CheckOptions, GenerateOptions, FixOptions, PushOptions, BackupOptions, RestoreOptions, RevertOptions, DropOptions, ResolveOptions, Duration } from './ops/options.js';

export type * from './render/documents.js';
import type { StatusDocument, BackupDocument, BackupsDocument, RestoreDocument, GenerateDocument, ResolveDocument, MigrateDocument, ReviewReport, CheckReport, PushDocument, DropDocument, FixDocument, RevertDocument } from './render/documents.js';

/** Applies pending migrations (`dbctl migrate --json`). */
export function migrate(options: MigrateOptions = {}): Promise<MigrateDocument> {
  return call('migrate', options, async (ctx) => (await import('./ops/migrate.js')).migrate(options, ctx));
}

/** Applied, pending, failed, modified and unknown migrations (`dbctl status --json`). */
export function status(options: BaseOptions = {}): Promise<StatusDocument> {
  return call('status', options, async (ctx) => (await import('./ops/status.js')).status(options, ctx));
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
  return call('backup', options, async (ctx) => (await import('./ops/backup.js')).backup(options, ctx));
}

/** Lists backups (`dbctl backups --json`). */
export function backups(options: BaseOptions = {}): Promise<BackupsDocument> {
  return call('backups', options, async (ctx) => (await import('./ops/backups.js')).backups(options, ctx));
}

/** Restores a backup (`dbctl restore ID --json`). */
export function restore(options: RestoreOptions): Promise<RestoreDocument> {
  return call('restore', options, async (ctx) => (await import('./ops/restore.js')).restore(options, ctx));
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
  return call('drop', options, async (ctx) => (await import('./ops/drop.js')).drop(options, ctx));
}

/** Records the outcome of a failed migration after manual repair (`dbctl resolve TAG --json`). */
export function resolve(options: ResolveOptions): Promise<ResolveDocument> {
  if (Boolean(options.applied) === Boolean(options.rolledBack)) {
    return Promise.reject(new DbctlError('USAGE', 'resolve needs exactly one of applied: true and rolledBack: true'));
  }
  return call('resolve', options, async (ctx) => (await import('./ops/resolve.js')).resolve(options, ctx));
}

/**
 * Runs one operation for an API caller in a context built from its options (lines to its reporter,
 * never interactive): the document comes back, and a thrown error rejects as a `DbctlError`
 * (anything else wrapped as `OPERATION_FAILED`), both with every secret the run met scrubbed.
 */
async function call<Document>(name: string, options: BaseOptions, operation: (ctx: CommandContext) => Promise<Document>): Promise<Document> {
  let redact = (text: string) => text;
  try {
    const [{ opContext }, { redactStrings }] = await Promise.all([import('./ops/run.js'), import('./io/output.js')]);
    const ctx = await opContext(options);
    redact = ctx.out.redact;
    return redactStrings(await operation(ctx), redact) as Document;
  } catch (error) {
    const rejected = rejection(name, error, undefined);
    if (rejected.document !== undefined) rejected.document = (await import('./io/output.js')).redactStrings(rejected.document, redact);
    throw scrubbed(rejected, redact);
  }
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
