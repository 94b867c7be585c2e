/**
 * Standard output belongs to dbctl during a CLI run. A command also runs other people's code in
 * this process: the project's config files (`dotenv.config()` in a `drizzle.config.ts` prints a
 * banner on stdout since dotenv 17), its schema modules, drizzle-kit. Whatever that code writes to
 * `process.stdout` would land inside the `--json` document or a `--format json` report, so it is
 * sent to stderr instead; and it passes through the password redactor on either stream, as dbctl's
 * own words do. dbctl writes through the writers returned here. For the whole run: nothing puts
 * them back.
 */
import type { OutputStreams } from './output.js';

/** dbctl's own way to each stream (`OutputStreams` takes them). */
export interface OwnStreams {
  stdout: OutputStreams['stdout'];
  stderr: OutputStreams['stderr'];
}

type Write = NodeJS.WriteStream['write'];

/**
 * From now on, text that anything else writes to `process.stdout` goes to stderr, and text anything
 * else writes to either stream is redacted first (`redact` is read at each write, so secrets found
 * later count). Returns the original writers, for dbctl's own output.
 */
export function keepStdoutForDbctl(redact: (text: string) => string): OwnStreams {
  const stdout = process.stdout;
  const stderr = process.stderr;
  const stdoutWrite = stdout.write;
  const stderrWrite = stderr.write;
  const toStderr = (chunk: unknown, rest: unknown[]): boolean =>
    (stderrWrite as (...args: unknown[]) => boolean).call(stderr, redacted(chunk, redact), ...rest);
  stdout.write = function (chunk: unknown, ...rest: unknown[]) {
    return toStderr(chunk, rest);
  } as Write;
  stderr.write = function (chunk: unknown, ...rest: unknown[]) {
    return toStderr(chunk, rest);
  } as Write;
  return {
    stdout: { write: (chunk) => stdoutWrite.call(stdout, chunk), isTTY: stdout.isTTY },
    stderr: { write: (chunk) => stderrWrite.call(stderr, chunk), isTTY: stderr.isTTY },
  };
}

/** A chunk with secrets replaced: text as text, bytes decoded as UTF-8 and encoded again. */
function redacted(chunk: unknown, redact: (text: string) => string): unknown {
  if (typeof chunk === 'string') return redact(chunk);
  if (chunk instanceof Uint8Array) {
    const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
    const clean = redact(text);
    return clean === text ? chunk : Buffer.from(clean, 'utf8');
  }
  return chunk;
}
