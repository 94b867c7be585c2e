/**
 * How an operation runs: the context it works in (the CLI's, or one built from API options), its
 * cancellation points, and the rejection for a non-zero outcome.
 */
import { DbctlError, ERROR_CODES, ExitCode, type DbctlErrorCode } from '../errors.js';
import type { Output } from '../io/output.js';
import type { CommandContext } from './context.js';
import type { BaseOptions } from './options.js';
import { dynamicImport } from '../io/dynamic-import.js';

/**
 * The context an operation runs in: the CLI's when it calls (terminal output, prompts), else one
 * built from the API options: `--json` semantics, never interactive, lines to `options.reporter`.
 */
export async function opContext(options: BaseOptions, given?: CommandContext): Promise<CommandContext> {
  throwIfAborted(options.signal);
  if (given) return options.signal ? { ...given, signal: options.signal } : given;
  const [{ loadDotenv }, { liveEnvironment }, { redactText, secretsOf }, { stripVTControlCharacters }] = await Promise.all([
    import('../io/dotenv.js'),
    import('../io/process-env.js'),
    import('../core/url.js'),
    dynamicImport<typeof import('node:util')>('node:util'),
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
    rewriteLine: () => undefined,
    writeJson: () => void (jsonWritten = true),
    get jsonWritten() {
      return jsonWritten;
    },
    writeStdout: () => undefined,
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
  return { cwd, globals, out, env: liveEnvironment(), ...(options.signal ? { signal: options.signal } : {}) };
}

/** A safe point: stops the run with `ABORTED` when the caller's signal fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}

/** The `ABORTED` error for a fired signal, naming its reason. */
export function abortedError(signal: AbortSignal): DbctlError {
  const reason = signal.reason instanceof Error ? signal.reason.message : signal.reason === undefined ? 'aborted' : String(signal.reason);
  return new DbctlError('ABORTED', `the run was aborted by its caller (${reason}); what was committed stays committed`, {
    hint: 'run it again, or dbctl status to see where each migration stands',
    cause: signal.reason,
  });
}

/**
 * The rejection for an operation whose outcome has a non-zero exit code (status with failed
 * migrations, review errors, a failed check, a failed migration): the document tells it all.
 */
export function outcome(name: string, exitCode: number, document: unknown): DbctlError {
  const fromDocument = (document as { error?: { code?: string; message?: string } } | undefined)?.error;
  const documented = fromDocument?.code as DbctlErrorCode | undefined;
  const code: DbctlErrorCode =
    documented && documented in ERROR_CODES && ERROR_CODES[documented] === exitCode ? documented : defaultCode(name, exitCode);
  const error = new DbctlError(code, fromDocument?.message ?? summary(name, document) ?? `dbctl ${name} failed (exit ${exitCode})`, {
    hint: "the error's `document` holds the full result",
  });
  error.document = document;
  error.reported = true;
  return error;
}

/** The documented code for an exit code an operation ended with. */
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
  if (doc?.checks)
    return `dbctl ${name} failed: ${doc.checks
      .filter((c) => !c.ok)
      .map((c) => c.id)
      .join(', ')}`;
  if (typeof doc?.summary?.errors === 'number')
    return `dbctl ${name} found ${doc.summary.errors} error${doc.summary.errors === 1 ? '' : 's'}`;
  return undefined;
}
