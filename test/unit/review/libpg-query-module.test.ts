/**
 * dbctl calls libpg-query's WebAssembly module directly (src/sql/libpg-query-module.ts): every
 * call must give exactly what the package's own API gives, results and errors alike.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as libpgQuery from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { directCalls, loadParserModule, type ParserModule } from '../../../src/sql/libpg-query-module.js';

/** Every SQL fixture of the repository, and statements that fail each call in its own way. */
function corpus(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.sql')) files.push(readFileSync(full, 'utf8'));
    }
  };
  walk(path.join(import.meta.dirname, '../../fixtures'));
  return [
    ...files,
    'SELECT FROM WHERE',
    'ALTER TABLE "tést" ADD COLUMN "naïve" text; SELEC 1',
    `INSERT INTO t VALUES ('é日😀')`,
    "SELECT 'unterminated",
    'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$',
    'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1 END $$',
    'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETUR 1; END $$',
    '/* unterminated comment',
  ];
}

/** A call's outcome as comparable data: the parsed result, or the error's message and details. */
function outcome(call: () => unknown): unknown {
  try {
    return { value: call() };
  } catch (error) {
    return { message: (error as Error).message, details: (error as { sqlDetails?: unknown }).sqlDetails };
  }
}

describe('libpg-query called directly', () => {
  let module: ParserModule;
  beforeAll(async () => {
    module = await loadParserModule();
    await libpgQuery.loadModule();
  });

  it('parses, parses PL/pgSQL and scans exactly as libpg-query does, errors included', () => {
    const inputs = corpus();
    expect(inputs.length).toBeGreaterThan(50);
    for (const sql of inputs) {
      expect(
        outcome(() => JSON.parse(module.parse(sql))),
        sql,
      ).toEqual(outcome(() => libpgQuery.parseSync(sql)));
      expect(
        outcome(() => JSON.parse(module.plpgsql(sql))),
        sql,
      ).toEqual(outcome(() => libpgQuery.parsePlPgSQLSync(sql)));
      expect(
        outcome(() => JSON.parse(module.scan(sql))),
        sql,
      ).toEqual(outcome(() => libpgQuery.scanSync(sql)));
    }
  });

  it('calls the module itself, not the package API, with the installed libpg-query', () => {
    expect(module.direct).toBe(true);
    expect(outcome(() => module.parse(''))).toEqual(outcome(() => libpgQuery.parseSync('')));
  });

  it('is not used on a build whose parse result is laid out otherwise, or that lacks a function', async () => {
    const glue = path.join(path.dirname(createRequire(import.meta.url).resolve('libpg-query')), 'libpg-query.js');
    const emscripten = await (createRequire(import.meta.url)(glue) as () => Promise<Record<string, unknown>>)();
    expect(directCalls(emscripten)?.direct).toBe(true);
    // the same module read as if its result struct had another field first: every pointer one field off
    const getValue = emscripten.getValue as (pointer: number, type: string) => number;
    const shifted = { ...emscripten, getValue: (pointer: number, type: string) => getValue(pointer + 4, type) };
    expect(directCalls(shifted)).toBeNull();
    const { _wasm_scan: _, ...lacking } = emscripten;
    expect(directCalls(lacking)).toBeNull();
  });
});
