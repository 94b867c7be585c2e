/**
 * The one error type dbctl throws for outcomes that stop a command.
 *
 * Every code maps to exactly one exit code (see the contract's exit table). Commands throw,
 * only `cli.ts` catches and exits. Messages are one line saying what failed; `hint` names the
 * next command or flag to try.
 */

/** Exit codes fixed by the CLI contract. */
export const ExitCode = {
  ok: 0,
  /** A migration failed, review errors, a status problem, a check failed. */
  failure: 1,
  /** Usage or config error, including an unreadable migrations folder. */
  usage: 2,
  /** Refused by a guard (protected environment, confirmation missing). */
  refused: 3,
  /** Database unreachable (refused, unknown host, auth failed, database missing). */
  unreachable: 4,
  /** The migration lock was not acquired in time. */
  lockTimeout: 5,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Every error code dbctl can raise, with the exit code it leads to.
 * Documented here so scripts and the README can rely on them.
 */
export const ERROR_CODES = {
  /** Bad flags or arguments. */
  USAGE: ExitCode.usage,
  /** The dbctl config file is missing, unreadable or invalid. */
  CONFIG_INVALID: ExitCode.usage,
  /** The drizzle config named by dbctl's config could not be loaded. */
  DRIZZLE_CONFIG_INVALID: ExitCode.usage,
  /** `--env` names an environment that is not configured. */
  UNKNOWN_ENV: ExitCode.usage,
  /** The selected environment's url is unset. */
  URL_UNSET: ExitCode.usage,
  /** The migrations folder (journal, SQL, snapshots) is unreadable or inconsistent. */
  MIGRATIONS_FOLDER_INVALID: ExitCode.usage,
  /** A migration tag given on the command line does not exist. */
  UNKNOWN_MIGRATION: ExitCode.usage,
  /** drizzle-kit asked a rename question dbctl was not given an answer to. */
  AMBIGUOUS_RENAME: ExitCode.usage,
  /** A migration failed to apply. */
  MIGRATION_FAILED: ExitCode.failure,
  /** Applied migrations were modified, or the database has migrations unknown to the folder. */
  HISTORY_MISMATCH: ExitCode.failure,
  /** A previous run left a migration failed part-way; `dbctl resolve` is needed first. */
  FAILED_MIGRATION_PENDING: ExitCode.failure,
  /** The migration lock does not hold (transaction-mode pooler). */
  LOCK_NOT_HELD: ExitCode.failure,
  /**
   * PostgreSQL's pre-commit check found a migration destroying data (a table, a column, rows) that
   * the plan did not list and no verified backup holds: the migration was rolled back.
   */
  UNPLANNED_DESTRUCTION: ExitCode.failure,
  /** A migration ends its own transaction (COMMIT, ROLLBACK): refused before anything of it ran. */
  TRANSACTION_CONTROL: ExitCode.failure,
  /** A backup could not be taken or verified. */
  BACKUP_FAILED: ExitCode.failure,
  /** A restore would overwrite values written since the backup (`--overwrite` allows it). */
  RESTORE_CONFLICT: ExitCode.failure,
  /** Any other failure of an operation. */
  OPERATION_FAILED: ExitCode.failure,
  /** A guard refused the action (protected environment, missing confirmation). */
  REFUSED: ExitCode.refused,
  /**
   * The server reached is not the one the guards judged: its `current_database()` or
   * `session_user` differs from the url's resolution (a pooler alias, a redirect), or its own
   * address is a `protect.hosts` host while the environment was judged unprotected. Nothing ran.
   */
  TARGET_MISMATCH: ExitCode.refused,
  /** The database could not be reached or refused the login. */
  DB_UNREACHABLE: ExitCode.unreachable,
  /** Another run held the migration lock for longer than `--wait`. */
  LOCK_TIMEOUT: ExitCode.lockTimeout,
  /** The connection was lost while a migration ran (server restart, terminated backend, network drop). */
  CONNECTION_LOST: ExitCode.failure,
  /**
   * The API caller's `AbortSignal` fired: the run stopped at its next safe point (before connecting,
   * between migrations, while waiting for the lock). What was committed stays committed.
   */
  ABORTED: ExitCode.failure,
} as const satisfies Record<string, ExitCodeValue>;

/** A documented dbctl error code. */
export type DbctlErrorCode = keyof typeof ERROR_CODES;

/** Options for a DbctlError beyond its code and message. */
export interface DbctlErrorOptions {
  /** The next thing to try, e.g. "run `dbctl status --env prod` to see which". */
  hint?: string;
  /** Extra lines shown under the message (a SQL excerpt, a list). */
  details?: string[];
  /** The underlying error, shown with `--verbose`. */
  cause?: unknown;
}

/** The single error type of dbctl; carries a documented code and its exit code. */
export class DbctlError extends Error {
  readonly code: DbctlErrorCode;
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  readonly details: string[];
  /**
   * The `--json` document of the run that failed, when the command produced one (migrate's
   * `status: 'failed' | 'refused'`, check's `ok: false`, review's errors). Set by the programmatic
   * API (`import { migrate } from 'dbctl'`); the CLI prints it instead.
   */
  document?: unknown;
  /**
   * True when `document` tells the whole outcome (status with failed migrations, review errors, a
   * failed check): the CLI prints the document and exits with `exitCode`, adding no error line.
   */
  reported?: boolean;

  constructor(code: DbctlErrorCode, message: string, options: DbctlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DbctlError';
    this.code = code;
    this.exitCode = ERROR_CODES[code];
    this.hint = options.hint;
    this.details = options.details ?? [];
  }
}

/** True when `error` is a DbctlError (works across duplicated module instances too). */
export function isDbctlError(error: unknown): error is DbctlError {
  return error instanceof DbctlError || (error instanceof Error && error.name === 'DbctlError' && 'exitCode' in error);
}
