/**
 * A content-addressed cache of the SQL parser's raw results, like `eslint --cache`: every pull
 * request runs `dbctl review`, and most of the migrations it reads were parsed the same way by the
 * run before. An entry is the parser's output for one input text; the entries live in one file,
 * `node_modules/.cache/dbctl/parse-<key>/entries.jsonl` (the nearest `node_modules` above the
 * working directory), one line each, where the key covers the libpg-query version, dbctl's version
 * and this format; a new parser or dbctl gets a new directory (the old ones are removed when it is
 * made). One file, not one per entry: a first run of a 200-migration folder would otherwise create
 * 200 files at exit, and a later run open each.
 *
 * Safe by construction: an entry names the kind of call and the SHA-256 of its input and holds both,
 * and one whose line does not read back as exactly that (truncated, edited, another format) is a
 * miss. A run that parsed anything new writes the whole file again, its new entries and the earlier
 * ones, to a temporary file renamed into place (never half a file; of two runs writing at once, the
 * last one's file stays, and the other's new entries are parsed again next time). Every run reads
 * the whole file, so it keeps to what is used: each line carries the number of the writing run that
 * last stored or read it, and an entry no writing run has read in the last `KEEP_WRITES` is dropped
 * (an edited migration's earlier text, a branch long gone). The file is 0600
 * in a 0700 directory (a migration's parse tree holds its literals); an unwritable or missing
 * directory only means no cache. `DBCTL_PARSE_CACHE=off` turns it off.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DBCTL_VERSION } from '../version.js';
import { cacheRoot } from './cache-root.js';

/** The parser calls whose results are kept. */
export type ParseCallKind = 'parse' | 'plpgsql' | 'scan';

/** What a call gave: its result as JSON text, or the error it threw (message and libpg-query's details). */
export type CachedOutcome = { json: string } | { error: { message: string; sqlDetails?: unknown } };

/** What `ParseCache.read` gives: the call's result itself, or the error it threw. */
export type ReadOutcome = { value: unknown } | { error: { message: string; sqlDetails?: unknown } };

/** An open cache directory. */
export interface ParseCache {
  /** The directory of this parser and dbctl version. */
  readonly dir: string;
  /** True when the directory existed when opened: earlier runs stored results here. */
  readonly warm: boolean;
  /** True when an entry for `kind` on `input` exists (not yet checked: `get` may still find it unusable). */
  has(kind: ParseCallKind, input: string): boolean;
  /** The stored outcome of `kind` on `input`, or undefined (a miss, or an entry that does not check out). */
  get(kind: ParseCallKind, input: string): CachedOutcome | undefined;
  /** `get` with the result as a value (a fresh tree from one `JSON.parse` of the entry), not as JSON text. */
  read(kind: ParseCallKind, input: string): ReadOutcome | undefined;
  /** True when an outcome for `input` would be stored (not too long, and this run's queue not full): ask before building it. */
  wants(input: string): boolean;
  /** Queues an outcome to be stored when the process exits (inputs above `MAX_INPUT_CHARS` are not kept). */
  put(kind: ParseCallKind, input: string, outcome: CachedOutcome): void;
  /** Writes the queued entries now (also done once on process exit). */
  flush(): void;
}

/**
 * Bump when the entry format changes. 2: the result is stored as a JSON value (`tree`), not as a
 * string holding JSON, so reading an entry is one `JSON.parse`. 3: all entries in one file, a line
 * each (`<kind>-<hash> <entry>`). 4: the line names the writing run that last used the entry
 * (`<kind>-<hash> <run> <entry>`).
 */
const FORMAT = 4;
/** The file of the entries, in the cache directory. */
const ENTRIES_FILE = 'entries.jsonl';
/** Inputs longer than this are not cached (a large data migration's pieces would fill the disk). */
export const MAX_INPUT_CHARS = 128 * 1024;
/** At most this many characters of results wait in memory for the exit. */
const MAX_QUEUED_CHARS = 8 * 1024 * 1024;
/** The entries file keeps earlier runs' entries up to this many characters in all (those this run read first). */
const MAX_FILE_CHARS = 16 * 1024 * 1024;
/** An entry that none of this many writing runs read is dropped when the file is written again. */
export const KEEP_WRITES = 30;
/**
 * At most this many entries are stored by one run (a 200-migration folder needs about 200; a
 * 20,000-statement migration parsed chunk by chunk would otherwise queue 20,000 entries for the exit).
 */
export const MAX_QUEUED_ENTRIES = 1000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export { cacheRoot };

/**
 * Opens the cache for results of parser `parserVersion` run by dbctl `dbctlVersion`, above `from`;
 * null when turned off (`DBCTL_PARSE_CACHE=off`) or there is no `node_modules` to keep it in.
 */
export function openParseCache(
  from: string,
  parserVersion: string,
  dbctlVersion: string,
  environment: NodeJS.ProcessEnv = process.env,
  holdsSecret: (text: string) => boolean = () => false,
): ParseCache | null {
  const setting = (environment.DBCTL_PARSE_CACHE ?? '').toLowerCase();
  if (setting === 'off' || setting === '0' || setting === 'false') return null;
  let root: string | null;
  try {
    root = cacheRoot(from);
  } catch {
    return null;
  }
  if (!root) return null;
  const dir = path.join(root, `parse-${sha256(`${FORMAT}\0${parserVersion}\0${dbctlVersion}`).slice(0, 16)}`);
  const file = path.join(dir, ENTRIES_FILE);
  const warm = existsSync(file);
  const queued = new Map<string, { content: string; input: string }>(); // entry key -> entry, and the text it is for
  let queuedChars = 0;
  let exitHooked = false;
  const keyOf = (kind: ParseCallKind, hash: string) => `${kind}-${hash.slice(0, 40)}`;
  // each input is hashed once per run (`has` then `read` of a migration file ask for the same one)
  const hashes = new Map<string, string>();
  const hashOf = (input: string): string => {
    let hash = hashes.get(input);
    if (hash === undefined) {
      hash = sha256(input);
      if (hashes.size < MAX_QUEUED_ENTRIES) hashes.set(input, hash);
    }
    return hash;
  };
  /** The entries earlier runs stored (key -> the writing run that last used it, and the entry text), read from the file when first asked. */
  let stored: Map<string, { run: number; text: string }> | undefined;
  /** The newest writing run's number in the file. */
  let lastRun = 0;
  /** The keys of stored entries this run read: kept first when the file is written again. */
  const read = new Set<string>();
  const storedEntries = (): Map<string, { run: number; text: string }> => {
    if (!stored) {
      stored = new Map();
      let text = '';
      try {
        if (warm) text = readFileSync(file, 'utf8');
      } catch {
        // unreadable: no entries
      }
      for (const line of text.split('\n')) {
        const space = line.indexOf(' ');
        const second = line.indexOf(' ', space + 1);
        if (space <= 0 || second < 0) continue;
        const run = Number(line.slice(space + 1, second));
        if (!Number.isSafeInteger(run) || run < 0) continue;
        stored.set(line.slice(0, space), { run, text: line.slice(second + 1) });
        if (run > lastRun) lastRun = run;
      }
    }
    return stored;
  };

  const readEntry = (kind: ParseCallKind, input: string): ReadOutcome | undefined => {
    if (!warm || input.length > MAX_INPUT_CHARS) return undefined;
    const hash = hashOf(input);
    const key = keyOf(kind, hash);
    const text = storedEntries().get(key)?.text;
    if (text === undefined) return undefined;
    read.add(key);
    let entry: {
      v?: unknown;
      k?: unknown;
      h?: unknown;
      n?: unknown;
      tree?: unknown;
      error?: { message?: unknown; sqlDetails?: unknown };
    };
    try {
      entry = JSON.parse(text);
    } catch {
      return undefined; // not JSON (a corrupt entry is a miss and is stored again)
    }
    if (
      entry === null ||
      typeof entry !== 'object' ||
      entry.v !== FORMAT ||
      entry.k !== kind ||
      entry.h !== hash ||
      entry.n !== input.length
    )
      return undefined;
    if ('tree' in entry && entry.tree !== undefined) return { value: entry.tree };
    if (entry.error && typeof entry.error.message === 'string') {
      return {
        error: { message: entry.error.message, ...(entry.error.sqlDetails !== undefined ? { sqlDetails: entry.error.sqlDetails } : {}) },
      };
    }
    return undefined;
  };

  const flush = () => {
    if (queued.size === 0) return;
    // a text holding one of the run's secrets (a password in a migration's SQL) is never written
    const earlier = storedEntries();
    const hadEarlier = earlier.size > 0;
    const run = lastRun + 1;
    const lines: string[] = [];
    for (const [key, { content, input }] of queued) {
      if (!holdsSecret(input) && !holdsSecret(content)) lines.push(`${key} ${run} ${content}`);
    }
    let chars = 0;
    for (const line of lines) chars += line.length + 1;
    // then the earlier runs' entries: those this run read, then the others by their last use, as
    // long as the file stays small and they were used lately (one holding this run's secrets,
    // stored by a run that did not know them, is dropped)
    const unread = [...earlier.keys()].filter((key) => !read.has(key)).sort((a, b) => earlier.get(b)!.run - earlier.get(a)!.run);
    for (const key of [...read, ...unread]) {
      const entry = earlier.get(key);
      if (entry === undefined || queued.has(key) || holdsSecret(entry.text)) continue;
      const used = read.has(key) ? run : entry.run;
      if (used <= run - KEEP_WRITES) break; // the rest are older still
      const line = `${key} ${used} ${entry.text}`;
      if (chars + line.length + 1 > MAX_FILE_CHARS) break;
      lines.push(line);
      chars += line.length + 1;
    }
    queued.clear();
    queuedChars = 0;
    stored = undefined;
    read.clear();
    if (lines.length === 0 && !hadEarlier) return; // nothing to store, nor any earlier entry to drop
    try {
      if (!existsSync(dir)) {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        chmodSync(dir, 0o700);
        // a new parser or dbctl version: the older versions' entries will not be read again
        for (const name of readdirSync(root!)) {
          if (name.startsWith('parse-') && path.join(root!, name) !== dir) rmSync(path.join(root!, name), { recursive: true, force: true });
        }
      }
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, `${lines.join('\n')}\n`, { mode: 0o600 });
      renameSync(temporary, file);
    } catch {
      // no cache (read-only checkout, full disk, ...): the next run parses again
    }
  };

  return {
    dir,
    warm,
    has(kind, input) {
      return warm && input.length <= MAX_INPUT_CHARS && storedEntries().has(keyOf(kind, hashOf(input)));
    },
    get(kind, input) {
      const outcome = readEntry(kind, input);
      if (!outcome) return undefined;
      return 'value' in outcome ? { json: JSON.stringify(outcome.value) } : outcome;
    },
    read: readEntry,
    wants(input) {
      return input.length <= MAX_INPUT_CHARS && queued.size < MAX_QUEUED_ENTRIES && queuedChars < MAX_QUEUED_CHARS;
    },
    put(kind, input, outcome) {
      if (input.length > MAX_INPUT_CHARS || queued.size >= MAX_QUEUED_ENTRIES) return;
      const hash = hashOf(input);
      const head = JSON.stringify({ v: FORMAT, k: kind, h: hash, n: input.length });
      // the result's JSON text goes in as it is (no parse and stringify again): `{"v":…,"tree":<json>}`
      // an entry is one line: a line break in valid JSON text can only be whitespace between its
      // tokens (PL/pgSQL results have them), never inside a string, so a space stands for it
      const content =
        'json' in outcome
          ? `${head.slice(0, -1)},"tree":${outcome.json.includes('\n') ? outcome.json.replaceAll('\n', ' ') : outcome.json}}`
          : JSON.stringify({ v: FORMAT, k: kind, h: hash, n: input.length, ...outcome });
      if (queuedChars + content.length > MAX_QUEUED_CHARS) return;
      queued.set(keyOf(kind, hash), { content, input });
      queuedChars += content.length;
      if (!exitHooked) {
        exitHooked = true;
        process.once('exit', flush);
      }
    },
    flush,
  };
}

/** The installed libpg-query's version (its package.json beside its entry), or null when unreadable. */
function parserVersion(): string | null {
  try {
    const entry = createRequire(import.meta.url).resolve('libpg-query');
    for (let dir = path.dirname(entry); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
      const manifest = path.join(dir, 'package.json');
      if (!existsSync(manifest)) continue;
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (name === 'libpg-query' && version) return version;
    }
  } catch {
    // no version, no cache
  }
  return null;
}

/**
 * The parse cache for the installed libpg-query and this dbctl, above `from`; null when off or
 * unknown. `holdsSecret` says whether a text holds one of the run's secrets: such entries are not written.
 */
export function openSqlParseCache(from: string, holdsSecret?: (text: string) => boolean): ParseCache | null {
  const version = parserVersion();
  return version ? openParseCache(from, version, DBCTL_VERSION, process.env, holdsSecret) : null;
}
