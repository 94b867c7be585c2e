/**
 * A config file is a program, and some stop the process when something they need is missing
 * (`if (!process.env.DATABASE_URL) process.exit(1)`). Run inside dbctl, that would end the run with
 * no word from dbctl, no `--json` document and exit 1, which means "failed" rather than "bad
 * config". While dbctl loads a config, `process.exit` throws `ConfigExited` instead, and the
 * loader reports it as the config error it is (exit 2).
 */
import { exitedWhile, whileExitThrows } from '../io/exit-guard.js';

/** What a config's `process.exit(code)` throws while dbctl loads it. */
export class ConfigExited extends Error {
  constructor(
    readonly exitCode: unknown,
    printed: string,
  ) {
    super(exitedWhile(exitCode, 'while dbctl was loading it', printed));
    this.name = 'ConfigExited';
  }
}

/** Runs `load` (a config's evaluation) with `process.exit` throwing `ConfigExited`. */
export function withoutProcessExit<T>(load: () => Promise<T>): Promise<T> {
  return whileExitThrows(load, (code, printed) => new ConfigExited(code, printed));
}
