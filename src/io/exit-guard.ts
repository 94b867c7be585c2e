/**
 * Code dbctl runs but does not own may stop the process: a config file when something it needs is
 * missing, drizzle-kit when it rejects a schema. Each prints why, then calls `process.exit`. While
 * such code runs, `process.exit` throws the error given instead, built with the last line the code
 * printed, so dbctl reports what happened (in its `--json` document too) and keeps its exit codes.
 * The CLI's own exits go through the `process.exit` it kept before any of this (src/cli.ts).
 */
import { stripVTControlCharacters } from 'node:util';

/** How much of what the code prints is kept for its last line. */
const KEPT_CHARS = 4096;

/**
 * Runs `run` with `process.exit(code)` throwing `errorFor(code, printed)`, where `printed` is the last
 * line `run` wrote to stdout or stderr ('' when none); puts `process.exit` and the writes back after.
 */
export async function whileExitThrows<T>(run: () => Promise<T>, errorFor: (code: unknown, printed: string) => Error): Promise<T> {
  const exit = process.exit;
  let printed = '';
  const record = (chunk: unknown) => {
    const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : '';
    printed = (printed + text).slice(-KEPT_CHARS);
  };
  const restore = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write;
    stream.write = function (chunk: unknown, ...rest: unknown[]) {
      record(chunk);
      return (write as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    } as typeof stream.write;
    return () => void (stream.write = write);
  });
  process.exit = ((code?: unknown) => {
    throw errorFor(code, lastLine(printed));
  }) as typeof process.exit;
  try {
    return await run();
  } finally {
    process.exit = exit;
    for (const undo of restore) undo();
  }
}

/** The reason for an error of code that called `process.exit(code)` `during` something, quoting what it printed. */
export function exitedWhile(code: unknown, during: string, printed: string): string {
  return `it called process.exit(${code === undefined || code === null ? '' : String(code)}) ${during}${printed ? `, after printing: ${printed}` : ''}`;
}

/** The last line with words in `text`, without colors and surrounding space, at most 300 characters. */
function lastLine(text: string): string {
  const lines = stripVTControlCharacters(text)
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter((line) => /\w/.test(line));
  const last = lines.at(-1) ?? '';
  return last.length > 300 ? `${last.slice(0, 297)}...` : last;
}
