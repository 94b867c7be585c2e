/**
 * libpg-query's WebAssembly module, called the way its own wrapper (`libpg-query/wasm/index.cjs`)
 * calls it, with two differences that a short CLI run feels:
 * - a call gives the parser's JSON text, not a parsed tree: the parse cache stores that text as it
 *   is, instead of turning the tree back into JSON;
 * - the wrapper is not loaded, nor the type modules it re-exports (about 2 ms).
 *
 * This is the one place that knows the module's exported functions and result layout. When the
 * installed libpg-query does not have those functions, or its parse call fails the self-check at
 * load (another version), `loadParserModule` uses the package's own API instead, which gives the
 * same results more slowly.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

/** The parser's three calls, each giving the result's JSON text or throwing the parser's error (`sqlDetails` as libpg-query sets it). */
export interface ParserModule {
  /** True when the module's functions are called directly; false: through the package's API. */
  readonly direct: boolean;
  parse(sql: string): string;
  plpgsql(sql: string): string;
  scan(sql: string): string;
}

/** The emscripten module's members the calls use (those of libpg-query 18's build, checked at load). */
interface Emscripten {
  lengthBytesUTF8(text: string): number;
  stringToUTF8(text: string, pointer: number, size: number): void;
  UTF8ToString(pointer: number): string;
  getValue(pointer: number, type: 'i32'): number;
  _malloc(size: number): number;
  _free(pointer: number): void;
  _wasm_parse_query_raw(pointer: number): number;
  _wasm_free_parse_result(pointer: number): void;
  _wasm_parse_plpgsql(pointer: number): number;
  _wasm_scan(pointer: number): number;
  _wasm_free_string(pointer: number): void;
}

const MEMBERS: (keyof Emscripten)[] = [
  'lengthBytesUTF8',
  'stringToUTF8',
  'UTF8ToString',
  'getValue',
  '_malloc',
  '_free',
  '_wasm_parse_query_raw',
  '_wasm_free_parse_result',
  '_wasm_parse_plpgsql',
  '_wasm_scan',
  '_wasm_free_string',
];

/** Loads the parser: libpg-query's module with its calls below, else the package's own API. */
export async function loadParserModule(): Promise<ParserModule> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('libpg-query');
  const glue = path.join(path.dirname(entry), 'libpg-query.js');
  let emscripten: Partial<Emscripten> | undefined;
  try {
    const factory = require(glue) as () => Promise<Partial<Emscripten>>;
    emscripten = await factory();
  } catch {
    emscripten = undefined; // another build than expected: the package's own API below
  }
  const calls = emscripten && directCalls(emscripten);
  if (calls) return calls;
  const lib = require('libpg-query') as typeof import('libpg-query');
  await lib.loadModule();
  return {
    direct: false,
    parse: (sql) => JSON.stringify(lib.parseSync(sql)),
    plpgsql: (sql) => JSON.stringify(lib.parsePlPgSQLSync(sql)),
    scan: (sql) => JSON.stringify(lib.scanSync(sql)),
  };
}

/** The calls over an emscripten module, when it has the functions used and its parse call passes the self-check; else null. */
export function directCalls(emscripten: object): ParserModule | null {
  const members = emscripten as Partial<Emscripten>;
  if (!MEMBERS.every((name) => typeof members[name] === 'function')) return null;
  const calls = moduleCalls(members as Emscripten);
  return answersAsExpected(calls) ? calls : null;
}

/**
 * Whether the parse call reads the module's result as this file expects (a build that kept the
 * functions' names but changed the result's layout must not be read wrongly): a statement's tree,
 * a syntax error's message and position. The PL/pgSQL and scan calls give a plain string, read as
 * the wrapper reads it; they are not tried here, where they would compile code a run without `DO`
 * blocks never uses (about 6 ms), and the module test compares all three with the package's API.
 */
function answersAsExpected(calls: ParserModule): boolean {
  try {
    const tree = JSON.parse(calls.parse('SELECT 1')) as { stmts?: { stmt?: { SelectStmt?: unknown } }[] };
    if (!tree.stmts?.[0]?.stmt?.SelectStmt) return false;
    calls.parse('SELECT FROM WHERE');
    return false;
  } catch (error) {
    const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
    return details?.message === 'syntax error at or near "WHERE"' && details.cursorPosition === 12;
  }
}

/** The three calls over the module, as libpg-query's wrapper makes them, giving the JSON text. */
function moduleCalls(m: Emscripten): ParserModule {
  const withInput = <T>(sql: string, call: (pointer: number) => T): T => {
    const size = m.lengthBytesUTF8(sql) + 1;
    const pointer = m._malloc(size);
    try {
      m.stringToUTF8(sql, pointer, size);
      return call(pointer);
    } finally {
      m._free(pointer);
    }
  };
  /** A call whose result is a C string: JSON, or an error message (which never starts with `{`). */
  const stringCall = (sql: string, run: (pointer: number) => number, isError: (text: string) => boolean): string =>
    withInput(sql, (pointer) => {
      const result = run(pointer);
      try {
        const text = m.UTF8ToString(result);
        if (isError(text)) throw new Error(text);
        return text;
      } finally {
        if (result) m._wasm_free_string(result);
      }
    });
  return {
    direct: true,
    parse(sql) {
      if (sql === '') throw new Error('Query cannot be empty');
      return withInput(sql, (pointer) => {
        const result = m._wasm_parse_query_raw(pointer);
        if (!result) throw new Error('Failed to parse query: memory allocation failed');
        try {
          const tree = m.getValue(result, 'i32');
          const error = m.getValue(result + 8, 'i32');
          if (error) throw parserError(m, error);
          if (!tree) throw new Error('No parse tree generated');
          return m.UTF8ToString(tree);
        } finally {
          m._wasm_free_parse_result(result);
        }
      });
    },
    plpgsql: (sql) => stringCall(sql, m._wasm_parse_plpgsql, (text) => !text.startsWith('{')),
    scan: (sql) =>
      stringCall(
        sql,
        m._wasm_scan,
        (text) => text.startsWith('syntax error') || text.startsWith('deparse error') || text.startsWith('ERROR'),
      ),
  };
}

/** The parser's error (a `PgQueryError` struct) as libpg-query's wrapper throws it. */
function parserError(m: Emscripten, pointer: number): Error {
  const text = (at: number) => {
    const p = m.getValue(pointer + at, 'i32');
    return p ? m.UTF8ToString(p) : undefined;
  };
  const message = text(0) ?? 'Unknown error';
  const line = m.getValue(pointer + 12, 'i32');
  const cursor = m.getValue(pointer + 16, 'i32');
  const error = new Error(message) as Error & { sqlDetails?: object };
  error.name = 'SqlError';
  error.sqlDetails = {
    message,
    cursorPosition: cursor > 0 ? cursor - 1 : 0,
    fileName: text(8),
    functionName: text(4),
    lineNumber: line > 0 ? line : undefined,
  };
  return error;
}
