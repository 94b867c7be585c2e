/**
 * What every operation runs with (built by `cli.ts` for a command, by `ops/run.ts` for an API call):
 * what every command receives: the global flags, the output channel and the process facts,
 * gathered once by `cli.ts` so that nothing below it reads `process` directly.
 */
import type { Output } from '../io/output.js';

/** The contract's global options, parsed. */
export interface GlobalOptions {
  env: string | undefined;
  /** `--env` was given on the command line (not only $DBCTL_ENV): review and check then read the database. */
  envExplicit: boolean;
  url: string | undefined;
  config: string | undefined;
  json: boolean;
  yes: boolean;
  verbose: boolean;
}

/** The run's context handed to each command. */
export interface CommandContext {
  cwd: string;
  globals: GlobalOptions;
  out: Output;
  /** The process environment, read only by config resolution. */
  env: Readonly<Record<string, string | undefined>>;
  /** The API caller's cancellation; ops check it at their safe points (`throwIfAborted`). */
  signal?: AbortSignal;
}

/** A command returns its exit code; it never exits the process itself. */
export type CommandRun<Options> = (ctx: CommandContext, options: Options) => Promise<number>;
