/**
 * The PostgreSQL parser (libpg-query, the real parser compiled to WASM), loaded once per process.
 *
 * libpg-query reports statement and node positions as UTF-8 BYTE offsets; everything this module
 * returns uses 0-based JavaScript string (UTF-16) offsets instead, so callers can slice the input
 * with them, whatever characters it holds.
 */
import { setFlagsFromString } from 'node:v8';
import { shiftLocations } from './ast.js';
import type { CachedOutcome, ParseCache, ParseCallKind } from '../io/parse-cache.js';
import type { SyncParserWorker } from '../io/parser-worker.js';
import { loadParserModule, type ParserModule } from './libpg-query-module.js';

/** The WASM module's calls, set once `loadSqlParser()` has loaded it (loaded only when something is parsed: ~20 ms). */
let lib: ParserModule | undefined;
const parseSync = (sql: string) => rawCall('parse', sql);
const parsePlPgSQLSync = (sql: string) => rawCall('plpgsql', sql);
const scanSync = (sql: string): { tokens: { start: number; end: number; tokenName: string }[] } => rawCall('scan', sql);

/** The parse cache of this run (`useParseCache()`), once `loadSqlParser()` has opened it. */
let cache: ParseCache | null = null;
/** The project directory of the parse cache (`useParseCache()`); undefined: no cache. */
let cacheDir: string | undefined;
/** Whether a text holds one of the run's secrets (such parse results are never written to the cache). */
let cacheHoldsSecret: ((text: string) => boolean) | undefined;
/** The parser on a worker thread: a cache miss in a run that did not load the WASM module. */
let worker: SyncParserWorker | undefined;

/** One call of the WASM parser, through the parse cache when there is one (a result, or the parser's error thrown). */
function rawCall(kind: ParseCallKind, input: string): any {
  if (!cache) return callLib(kind, input);
  const stored = cache.read(kind, input);
  if (stored) {
    if ('value' in stored) return stored.value;
    throw replayedError(stored.error);
  }
  if (!lib) {
    // the cache had every file about to be parsed, not this derived input: ask the parser on a worker thread
    worker ??= startWorker!();
    const outcome = worker.call(kind, input);
    cache.put(kind, input, outcome);
    return replay(outcome);
  }
  if (!cache.wants(input)) return callLib(kind, input);
  let json: string;
  try {
    json = lib[kind](input);
  } catch (error) {
    const details = (error as { sqlDetails?: unknown }).sqlDetails;
    cache.put(kind, input, {
      error: { message: error instanceof Error ? error.message : String(error), ...(details !== undefined ? { sqlDetails: details } : {}) },
    });
    throw error;
  }
  cache.put(kind, input, { json }); // the parser's own text, stored as it is
  return JSON.parse(json);
}

function callLib(kind: ParseCallKind, input: string): any {
  return JSON.parse(lib![kind](input));
}

/** A stored outcome as the parser gave it: a fresh result, or its error thrown again. */
function replay(outcome: CachedOutcome): any {
  if ('json' in outcome) return JSON.parse(outcome.json);
  throw replayedError(outcome.error);
}

/** The parser's error rebuilt from its stored message and details. */
function replayedError(stored: { message: string; sqlDetails?: unknown }): Error {
  const error = new Error(stored.message) as Error & { sqlDetails?: unknown };
  if (stored.sqlDetails !== undefined) error.sqlDetails = stored.sqlDetails;
  return error;
}

let startWorker: (() => SyncParserWorker) | undefined;

/**
 * For a CLI run: keep the parser's results in the parse cache (`io/parse-cache.ts`, under
 * `node_modules/.cache/dbctl/`) and, when an earlier run left one, use it instead of loading the
 * WASM module at all (an input it lacks is parsed on a worker thread). Call before the first
 * `loadSqlParser()`, with the project directory whose `node_modules/.cache/dbctl/` holds the cache.
 */
export function useParseCache(projectDir: string, holdsSecret?: (text: string) => boolean): void {
  if (loading) return;
  cacheDir = projectDir;
  cacheHoldsSecret = holdsSecret;
}

/** Where and why a piece of SQL failed to parse. */
export interface SqlParseError {
  /** The parser's message, e.g. `syntax error at or near "FROM"`. */
  message: string;
  /** 0-based string offset in the parsed input where the parser stopped. */
  position: number;
}

/**
 * One top-level statement as the parser saw it.
 *
 * `node` is the libpg-query statement node, keyed by its type (`{ AlterTableStmt: {...} }`); every
 * `location` field inside it has been converted to a 0-based string offset in the parsed input
 * (-1 stays -1). A statement that could not be parsed has `kind: 'ParseError'`, `node: null` and
 * `error` set (see `parseErrorStatement`).
 */
export interface ParsedStatement {
  node: any;
  /** Node type name, e.g. `AlterTableStmt`; `ParseError` when the text did not parse. */
  kind: string;
  /** 0-based string offset of the statement's first token in the parsed input. */
  location: number;
  /** Length of the statement text in string units (without the terminating semicolon). */
  length: number;
  /** The statement's SQL, `input.slice(location, location + length)`. */
  text: string;
  /** Set when `kind === 'ParseError'`. */
  error?: SqlParseError;
}

/** Result of `SqlParser.parse`: the statements, or the first error. */
export type ParseResult = { statements: ParsedStatement[] } | { error: SqlParseError };

/** The loaded parser. `parse` is synchronous and pure. */
export interface SqlParser {
  /** Parses `sql` (any number of statements; empty or comment-only input gives no statements). */
  parse(sql: string): ParseResult;
  /** PostgreSQL's lexer over `sql`: its tokens, with byte offsets (through the parse cache too). */
  scan(sql: string): { tokens: { start: number; end: number; text: string; tokenName: string }[] };
  /**
   * Parses `sql` and never fails: when the whole text does not parse, it is cut at the lexer's
   * top-level semicolons and each piece is parsed alone, so only the broken statements become
   * `ParseError` statements (locations stay relative to `sql`).
   */
  parseAll(sql: string): ParsedStatement[];
  /**
   * Parses the PL/pgSQL bodies of a `DO` block or `CREATE FUNCTION ... LANGUAGE plpgsql` statement
   * (PostgreSQL's own PL/pgSQL parser): one `PLpgSQL_function` per block/function in `sql`.
   */
  parsePlpgsql(sql: string): { functions: any[] } | { error: SqlParseError };
  /**
   * `parseAll`, one statement at a time, in bounded memory: text longer than `PIECE_CHARS` is cut
   * at top-level semicolons found by PostgreSQL's own lexer (over windows of the text) into pieces
   * of about that size, and each piece is parsed alone, so a 50 MB data migration never becomes
   * one parse tree. Locations stay relative to `sql`. `visit` may drop each statement's tree.
   */
  parseEach(sql: string, visit: (statement: ParsedStatement) => void): void;
}

/** Above this many characters `parseEach` parses piece by piece. */
export const PIECE_CHARS = 256 * 1024;

let loading: Promise<SqlParser> | undefined;
let loadCount = 0;

/**
 * For a short-lived process (a CLI run): has V8 compile WebAssembly with its baseline compiler
 * only, process-wide. Otherwise V8 recompiles the parser's code with its optimizing compiler on
 * background threads, and Node waits for that before the process exits (0.1-0.5 s on two cores),
 * which costs a CLI run more than the faster code saves it. Call before the first `loadSqlParser()`.
 */
export function useBaselineWasmCompiler(): void {
  if (!lib && !loading) setFlagsFromString('--liftoff-only');
}

/** Loads the WASM parser once (later calls return the same instance). */
export async function loadSqlParser(): Promise<SqlParser> {
  loading ??= (async () => {
    if (cacheDir !== undefined) {
      const [{ openSqlParseCache }, { startSyncParserWorker }] = await Promise.all([
        import('../io/parse-cache.js'),
        import('../io/parser-worker.js'),
      ]);
      cache = openSqlParseCache(cacheDir, cacheHoldsSecret);
      startWorker = startSyncParserWorker;
      // a warm cache: the WASM module is loaded only if an input is missing (see primeSqlParser)
      if (cache?.warm) {
        loadForPrimed();
        return { parse: parseSql, scan: scanSql, parseAll: parseAllSql, parsePlpgsql: parsePlpgsqlSql, parseEach: parseEachSql };
      }
    }
    await loadLib();
    return { parse: parseSql, scan: scanSql, parseAll: parseAllSql, parsePlpgsql: parsePlpgsqlSql, parseEach: parseEachSql };
  })();
  const parser = await loading;
  if (libLoading) await libLoading;
  return parser;
}

let libLoading: Promise<void> | undefined;

/** Loads the WASM module on this thread, once. */
function loadLib(): Promise<void> {
  libLoading ??= (async () => {
    loadCount += 1;
    lib = await loadParserModule();
  })();
  return libLoading;
}

let primed: readonly string[] | undefined;

/**
 * Tells the parser which texts it is about to parse whole (a migration folder's files): with a
 * warm parse cache that lacks any of them (a new migration), the WASM module starts loading on
 * this thread now, and the next `loadSqlParser()` waits for it, instead of parsing that text on a
 * worker thread later. Does nothing without the parse cache.
 */
export function primeSqlParser(texts: readonly string[]): void {
  if (cacheDir === undefined) return;
  primed = texts;
  if (loading && cache !== null) loadForPrimed(); // otherwise the cache is not open yet: loadSqlParser does it
}

function loadForPrimed(): void {
  const texts = primed;
  primed = undefined;
  if (!texts || !cache?.warm || lib || libLoading) return;
  if (texts.some((text) => !isBlank(text) && !cache!.has('parse', text))) loadLib().catch(() => {});
}

/** How many times the WASM module was initialised in this process (for tests: it must be 1). */
export function sqlParserLoadCount(): number {
  return loadCount;
}

/** Builds the `ParsedStatement` standing for text that failed to parse. */
export function parseErrorStatement(text: string, location: number, error: SqlParseError): ParsedStatement {
  return { node: null, kind: 'ParseError', location, length: text.length, text, error };
}

/** Parses with the already loaded module; call `loadSqlParser()` first. */
function scanSql(sql: string): { tokens: { start: number; end: number; text: string; tokenName: string }[] } {
  return rawCall('scan', sql);
}

function parseSql(sql: string): ParseResult {
  if (isBlank(sql)) return { statements: [] };
  let result: any;
  try {
    result = parseSync(sql);
  } catch (error) {
    return { error: toParseError(error, sql) };
  }
  // before the first non-ASCII character, byte offsets and string offsets are the same
  const firstNonAscii = sql.search(NON_ASCII);
  const toChar = firstNonAscii < 0 ? (byte: number) => byte : byteToCharConverter(sql);
  const raw: any[] = result?.stmts ?? [];
  const statements: ParsedStatement[] = [];
  for (const entry of raw) {
    const node = entry.stmt ?? {};
    const byteStart: number = entry.stmt_location ?? 0;
    const byteLen: number = entry.stmt_len ?? 0;
    let start = toChar(byteStart);
    let end = byteLen > 0 ? toChar(byteStart + byteLen) : sql.length;
    start = skipLeadingTrivia(sql, start, end);
    end = trimTrailingTrivia(sql, start, end, byteLen === 0);
    // the tree's locations lie inside the statement: only one reaching past that character needs them converted
    if (firstNonAscii >= 0 && (byteLen === 0 || byteStart + byteLen > firstNonAscii)) convertLocations(node, toChar);
    const kind = Object.keys(node)[0] ?? 'Unknown';
    statements.push({ node, kind, location: start, length: end - start, text: sql.slice(start, end) });
  }
  return { statements };
}

/** See `SqlParser.parseEach`. */
function parseEachSql(sql: string, visit: (statement: ParsedStatement) => void): void {
  let start = 0;
  const emit = (statements: ParsedStatement[]) => {
    for (const statement of statements) {
      if (start > 0) {
        shiftLocations(statement.node, start);
        statement.location += start;
        if (statement.error) statement.error = { ...statement.error, position: statement.error.position + start };
      }
      visit(statement);
    }
  };
  while (start < sql.length) {
    if (sql.length - start <= PIECE_CHARS) {
      emit(parseAllSql(start === 0 ? sql : sql.slice(start)));
      return;
    }
    // Most often the last `;` of the window ends a statement: then the piece parses whole (a cut
    // inside a literal, comment, parentheses or BEGIN ATOMIC body never does), and no lexing is needed.
    let guess = sql.lastIndexOf(';', start + PIECE_CHARS);
    if (guess <= start) guess = sql.indexOf(';', start + PIECE_CHARS); // one statement longer than a piece
    if (guess > start) {
      const whole = parseSql(sql.slice(start, guess + 1));
      if ('statements' in whole) {
        emit(whole.statements);
        start = guess + 1;
        continue;
      }
    }
    const end = pieceEnd(sql, start);
    emit(parseAllSql(sql.slice(start, end)));
    start = end;
  }
}

/**
 * Where the piece starting at `start` ends: just after the last top-level `;` of a window of about
 * `PIECE_CHARS` characters (the lexer tells strings, dollar quotes and comments apart). A window
 * whose end falls inside a literal does not scan: an earlier end is tried, then a larger window;
 * with no usable semicolon at all, the rest of the text is one piece.
 */
function pieceEnd(sql: string, start: number): number {
  for (let size = PIECE_CHARS; start + size < sql.length; size *= 2) {
    for (let back = 0; back < 8; back++) {
      const end = start + size - back * Math.floor(size / 16);
      if (end <= start) break;
      if (sql.lastIndexOf(';', end - 1) < start) break; // no semicolon at all: a larger window
      const cut = lastTopLevelSemicolon(sql.slice(start, end));
      if (cut === null) continue; // the window ends inside a literal or comment: try another end
      if (cut > 0) return start + cut;
      break; // no semicolon in this window: a larger one
    }
  }
  return sql.length;
}

/** String offset just after the last top-level `;` of `text`; 0 when none; null when it does not scan. */
function lastTopLevelSemicolon(text: string): number | null {
  let tokens: { start: number; end: number; tokenName: string }[];
  try {
    tokens = scanSync(text).tokens;
  } catch {
    return null;
  }
  let depth = 0;
  let last = -1;
  for (const token of tokens) {
    const name = token.tokenName;
    if (name === 'ASCII_40') depth++;
    else if (name === 'ASCII_41') depth = Math.max(0, depth - 1);
    else if (name === 'ASCII_59' && depth === 0) last = token.end;
  }
  if (last < 0) return 0;
  return isAscii(text) ? last : byteToCharConverter(text)(last);
}

/** See `SqlParser.parsePlpgsql`. */
function parsePlpgsqlSql(sql: string): { functions: any[] } | { error: SqlParseError } {
  try {
    const result: any = parsePlPgSQLSync(sql);
    const functions = (result?.plpgsql_funcs ?? []).map((f: any) => f?.PLpgSQL_function ?? {});
    return { functions };
  } catch (error) {
    return { error: toParseError(error, sql) };
  }
}

/** See `SqlParser.parseAll`. */
function parseAllSql(sql: string): ParsedStatement[] {
  const whole = parseSql(sql);
  if ('statements' in whole) return whole.statements;
  const pieces = splitAtSemicolons(sql);
  if (pieces === null || pieces.length <= 1) return [wholeError(sql, whole.error)];
  const out: ParsedStatement[] = [];
  for (const piece of pieces) {
    const text = sql.slice(piece.start, piece.end);
    const parsed = parseSql(text);
    if ('statements' in parsed) {
      for (const statement of parsed.statements) {
        shiftLocations(statement.node, piece.start);
        out.push({ ...statement, location: statement.location + piece.start });
      }
    } else {
      const start = skipLeadingTrivia(sql, piece.start, piece.end);
      const end = Math.max(start, trimTrailingTrivia(sql, start, piece.end, true));
      const position = Math.max(start, Math.min(piece.start + parsed.error.position, end));
      out.push(parseErrorStatement(sql.slice(start, end), start, { message: parsed.error.message, position }));
    }
  }
  return out;
}

function wholeError(sql: string, error: SqlParseError): ParsedStatement {
  const start = skipLeadingTrivia(sql, 0, sql.length);
  const end = Math.max(start, trimTrailingTrivia(sql, start, sql.length, true));
  return parseErrorStatement(sql.slice(start, end), start, error);
}

/**
 * Cuts `sql` at each top-level `;` token found by PostgreSQL's own lexer (so semicolons in
 * strings, dollar quotes and comments do not count). Null when even the lexer fails.
 */
function splitAtSemicolons(sql: string): { start: number; end: number }[] | null {
  let tokens: { start: number; end: number; tokenName: string }[];
  try {
    tokens = scanSync(sql).tokens;
  } catch {
    return null;
  }
  const toChar = isAscii(sql) ? (byte: number) => byte : byteToCharConverter(sql);
  const pieces: { start: number; end: number }[] = [];
  let start = 0;
  let depth = 0;
  let hasToken = false;
  for (const token of tokens) {
    const name = token.tokenName;
    if (name === 'SQL_COMMENT' || name === 'C_COMMENT') continue;
    if (name === 'ASCII_40') depth++;
    else if (name === 'ASCII_41') depth = Math.max(0, depth - 1);
    if (name === 'ASCII_59' && depth === 0) {
      const end = toChar(token.start);
      if (hasToken) pieces.push({ start, end });
      start = toChar(token.end);
      hasToken = false;
    } else hasToken = true;
  }
  if (hasToken) pieces.push({ start, end: sql.length });
  return pieces;
}

/** True when `sql` has nothing but whitespace (libpg-query rejects empty input). */
function isBlank(sql: string): boolean {
  for (let i = 0; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) return false;
  }
  return true;
}

/** A string unit above 0x7f (no `u` flag: the regex reads UTF-16 units, as `charCodeAt` does). */
const NON_ASCII = /[^\x00-\x7f]/;

function isAscii(text: string): boolean {
  // the regex engine's compiled scan, not a loop the interpreter runs unit by unit (a short run's code is not optimized)
  return !NON_ASCII.test(text);
}

/** UTF-8 length of the string unit at `i` (a surrogate pair counts 4 for its first unit, 0 for its second). */
function utf8Units(text: string, i: number): number {
  const code = text.charCodeAt(i);
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdbff) return 4;
  if (code >= 0xdc00 && code <= 0xdfff) return 0;
  return 3;
}

const CHECKPOINT = 256;

/**
 * Returns a function mapping a UTF-8 byte offset of `text` to its string offset, in O(log n)
 * after an O(n) index (byte offsets are recorded every 256 string units), whatever the call order.
 */
export function byteToCharConverter(text: string): (byte: number) => number {
  const checkpoints: number[] = [0]; // byte offset of string offset k * CHECKPOINT
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    if (i > 0 && i % CHECKPOINT === 0) checkpoints.push(bytes);
    bytes += utf8Units(text, i);
  }
  return (target: number): number => {
    if (target <= 0) return target;
    let lo = 0;
    let hi = checkpoints.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (checkpoints[mid]! <= target) lo = mid;
      else hi = mid - 1;
    }
    let char = lo * CHECKPOINT;
    let byte = checkpoints[lo]!;
    while (byte < target && char < text.length) {
      byte += utf8Units(text, char);
      char += 1;
    }
    // Never land between the two units of a surrogate pair.
    if (char < text.length && utf8Units(text, char) === 0) char += 1;
    return char;
  };
}

/** Maps a code point index (what PostgreSQL's error cursor counts) to a string offset. */
function codePointToChar(text: string, codePoints: number): number {
  let char = 0;
  for (let i = 0; i < codePoints && char < text.length; i++) {
    const code = text.charCodeAt(char);
    char += code >= 0xd800 && code <= 0xdbff && char + 1 < text.length ? 2 : 1;
  }
  return char;
}

function toParseError(error: unknown, sql: string): SqlParseError {
  const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
  const message = details?.message ?? (error instanceof Error ? error.message : String(error));
  const cursor = typeof details?.cursorPosition === 'number' && details.cursorPosition >= 0 ? details.cursorPosition : 0;
  return { message, position: Math.min(codePointToChar(sql, cursor), sql.length) };
}

/** Rewrites every numeric `location` field of an AST from byte to string offsets, in place. */
function convertLocations(node: unknown, toChar: (byte: number) => number): void {
  if (Array.isArray(node)) {
    for (const item of node) convertLocations(item, toChar);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  // for-in, not Object.keys: no array per node (a parse tree is plain JSON, nothing inherited is enumerable)
  for (const key in record) {
    const value = record[key];
    if (key === 'location' && typeof value === 'number') record[key] = toChar(value);
    else if (value !== null && typeof value === 'object') convertLocations(value, toChar);
  }
}

/**
 * Skips whitespace and comments before a statement's first token. PostgreSQL 18 already points
 * statements at their first token; this keeps that true for any parser build.
 */
function skipLeadingTrivia(sql: string, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const c = sql[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') i++;
    else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl === -1 ? end : nl + 1;
    } else if (c === '/' && sql[i + 1] === '*') i = skipBlockComment(sql, i);
    else break;
  }
  return Math.min(i, end);
}

/** Returns the offset just past the (possibly nested) block comment starting at `i`. */
function skipBlockComment(sql: string, i: number): number {
  let depth = 0;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return i;
}

/**
 * Trims trailing whitespace, and for the last statement of the input (which runs to its end) also
 * whole trailing comment lines: the statement parsed, so a line starting with `--` at its end
 * cannot be inside a literal.
 */
function trimTrailingTrivia(sql: string, start: number, end: number, toEndOfInput: boolean): number {
  let e = end;
  for (;;) {
    while (e > start && /\s/.test(sql[e - 1]!)) e--;
    if (!toEndOfInput) return e;
    const lineStart = sql.lastIndexOf('\n', e - 1) + 1;
    if (lineStart <= start) return e;
    const line = sql.slice(lineStart, e).trimStart();
    if (line.startsWith('--')) e = lineStart;
    else if (line.endsWith('*/') && line.startsWith('/*')) e = lineStart;
    else return e;
  }
}
