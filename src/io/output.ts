/**
 * Where dbctl's words go. Human text goes to stdout, or to stderr under `--json` so stdout holds
 * one JSON document only. Everything written passes through the password redactor.
 */
import kleur from 'kleur';
import { redactText } from '../core/url.js';

/** Output channel shared by every command of one run. */
export interface Output {
  readonly json: boolean;
  readonly color: boolean;
  /** True when prompts may be shown (stdin a TTY and not CI). */
  readonly interactive: boolean;
  /** True when human output goes to a terminal (progress bars allowed). */
  readonly tty: boolean;
  readonly verbose: boolean;
  /** A line of human output. */
  info(line: string): void;
  /** A warning or error line (always stderr). */
  warn(line: string): void;
  /** Text that rewrites the current line of human output on a terminal (a progress tick); nothing elsewhere. */
  rewriteLine(text: string): void;
  /** The single JSON document of a `--json` run. */
  writeJson(document: unknown): void;
  /** True once the run's JSON document was written (the entry point then adds no error document). */
  readonly jsonWritten: boolean;
  /** Raw text for stdout (a report format such as junit or markdown). */
  writeStdout(text: string): void;
  /** Registers secrets (passwords) to scrub from everything written from now on. */
  addSecrets(secrets: readonly string[]): void;
  /** Scrubs known secrets from a text, for messages built outside the output. */
  redact(text: string): string;
}

/** A copy of a JSON-able value with every string (keys too) passed through `redact`. */
export function redactStrings(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, redact));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const json = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof json === 'function') return redactStrings(json.call(value), redact);
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [redact(key), redactStrings(item, redact)]));
  }
  return value;
}

/** Streams and facts about the terminal, injected so tests can capture output. */
export interface OutputStreams {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
  stdinIsTTY: boolean;
  ci: boolean;
  noColorEnv: boolean;
}

/** Creates the run's output from the global flags and the streams. */
export function createOutput(flags: { json: boolean; color: boolean; verbose: boolean }, streams: OutputStreams): Output {
  const secrets = new Set<string>();
  const humanStream = flags.json ? streams.stderr : streams.stdout;
  const tty = Boolean(humanStream.isTTY);
  const color = flags.color && !streams.noColorEnv && Boolean(streams.stdout.isTTY) && tty;
  kleur.enabled = color;
  const redact = (text: string) => redactText(text, [...secrets]);
  let jsonWritten = false;
  return {
    json: flags.json,
    get jsonWritten() {
      return jsonWritten;
    },
    color,
    interactive: streams.stdinIsTTY && !streams.ci,
    tty,
    verbose: flags.verbose,
    info: (line) => void humanStream.write(`${redact(line)}\n`),
    warn: (line) => void streams.stderr.write(`${redact(line)}\n`),
    rewriteLine: (text) => void (tty && humanStream.write(redact(text))),
    writeJson: (document) => {
      jsonWritten = true;
      // each string is scrubbed before encoding (the document stays valid JSON), then the text once more
      streams.stdout.write(`${redact(JSON.stringify(redactStrings(document, redact), null, 2))}\n`);
    },
    writeStdout: (text) => void streams.stdout.write(redact(text.endsWith('\n') ? text : `${text}\n`)),
    addSecrets: (list) => list.forEach((secret) => secret && secrets.add(secret)),
    redact,
  };
}
