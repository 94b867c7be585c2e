/**
 * The parse cache on its own: entries stored at exit (here: `flush`) and read back by a later
 * process (here: a second `openParseCache`), keyed by input and versions; corrupt, foreign or
 * truncated entries are misses; an unwritable place, a missing node_modules or
 * `DBCTL_PARSE_CACHE=off` mean no cache, never an error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cacheRoot, KEEP_WRITES, MAX_INPUT_CHARS, MAX_QUEUED_ENTRIES, openParseCache } from '../../../src/io/parse-cache.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A project directory with its own node_modules (the cache goes in node_modules/.cache/dbctl). */
function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dbctl-parse-cache-'));
  made.push(dir);
  mkdirSync(path.join(dir, 'node_modules'));
  return dir;
}

const env = {};

/** The entries file's lines (`<kind>-<hash> <run> <entry JSON>`), each as its key, the writing run that last used it and its entry text. */
function lines(dir: string): { key: string; run: number; text: string }[] {
  return readFileSync(path.join(dir, 'entries.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [key, run] = line.split(' ', 2) as [string, string];
      return { key, run: Number(run), text: line.slice(key.length + run.length + 2) };
    });
}

function writeLines(dir: string, entries: { key: string; run: number; text: string }[]): void {
  writeFileSync(path.join(dir, 'entries.jsonl'), entries.map((e) => `${e.key} ${e.run} ${e.text}\n`).join(''));
}
const SQL = 'ALTER TABLE "users" ADD COLUMN "age" integer;';
const TREE = JSON.stringify({ version: 180001, stmts: [{ stmt: { AlterTableStmt: {} } }] });

describe('parse cache', () => {
  it('stores outcomes when flushed and gives them back to a later run, keyed by call kind and input', () => {
    const dir = project();
    const first = openParseCache(dir, '18.1.5', '0.1.0', env)!;
    expect(first.warm).toBe(false);
    expect(first.get('parse', SQL)).toBeUndefined();
    first.put('parse', SQL, { json: TREE });
    first.put('plpgsql', 'DO $$ BEGIN END $$', {
      error: { message: 'syntax error', sqlDetails: { message: 'syntax error', cursorPosition: 3 } },
    });
    first.flush();
    expect(first.dir.startsWith(path.join(dir, 'node_modules', '.cache', 'dbctl', 'parse-'))).toBe(true);
    expect(statSync(first.dir).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(first.dir)) expect(statSync(path.join(first.dir, name)).mode & 0o777).toBe(0o600);

    const later = openParseCache(dir, '18.1.5', '0.1.0', env)!;
    expect(later.warm).toBe(true);
    expect(later.get('parse', SQL)).toEqual({ json: TREE });
    expect(later.get('scan', SQL)).toBeUndefined(); // another call on the same text
    expect(later.get('parse', `${SQL} `)).toBeUndefined(); // another text
    expect(later.get('plpgsql', 'DO $$ BEGIN END $$')).toEqual({
      error: { message: 'syntax error', sqlDetails: { message: 'syntax error', cursorPosition: 3 } },
    });
  });

  it('keeps each parser and dbctl version apart, and drops the older versions when a new one is stored', () => {
    const dir = project();
    const old = openParseCache(dir, '17.0.0', '0.1.0', env)!;
    old.put('parse', SQL, { json: TREE });
    old.flush();
    const newer = openParseCache(dir, '18.1.5', '0.1.0', env)!;
    expect(newer.dir).not.toBe(old.dir);
    expect(newer.warm).toBe(false);
    expect(newer.get('parse', SQL)).toBeUndefined();
    const otherDbctl = openParseCache(dir, '17.0.0', '0.2.0', env)!;
    expect(otherDbctl.dir).not.toBe(old.dir);
    newer.put('parse', SQL, { json: TREE });
    newer.flush();
    expect(existsSync(old.dir)).toBe(false);
    expect(openParseCache(dir, '18.1.5', '0.1.0', env)!.get('parse', SQL)).toEqual({ json: TREE });
  });

  it('treats a corrupt, truncated or foreign entry as a miss, and a new put repairs it', () => {
    const dir = project();
    const cache = openParseCache(dir, '18.1.5', '0.1.0', env)!;
    const texts = ['SELECT 1', 'SELECT 2', 'SELECT 3', 'SELECT 4', 'SELECT 5'];
    for (const text of texts) cache.put('parse', text, { json: TREE });
    cache.flush();
    const entries = lines(cache.dir).map(({ key, run, text }) => ({ key, run, text, entry: JSON.parse(text) as Record<string, unknown> }));
    expect(entries).toHaveLength(texts.length);
    // garbage, half an entry, another entry's content, another format, another kind
    writeLines(cache.dir, [
      { key: entries[0]!.key, run: 1, text: 'not json at all' },
      { key: entries[1]!.key, run: 1, text: entries[1]!.text.slice(0, 30) },
      { key: entries[2]!.key, run: 1, text: JSON.stringify(entries[3]!.entry) },
      { key: entries[3]!.key, run: 1, text: JSON.stringify({ ...entries[3]!.entry, v: 999 }) },
      { key: entries[4]!.key, run: 1, text: JSON.stringify({ ...entries[4]!.entry, k: 'scan' }) },
    ]);
    const later = openParseCache(dir, '18.1.5', '0.1.0', env)!;
    for (const text of texts) expect(later.get('parse', text)).toBeUndefined();
    for (const text of texts) later.put('parse', text, { json: TREE });
    later.flush();
    const repaired = openParseCache(dir, '18.1.5', '0.1.0', env)!;
    for (const text of texts) expect(repaired.get('parse', text)).toEqual({ json: TREE });
    expect(lines(cache.dir)).toHaveLength(texts.length); // each entry once

    // a file cut short mid-line: the whole lines before the cut still read back
    const file = path.join(cache.dir, 'entries.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, -20));
    const cut = openParseCache(dir, '18.1.5', '0.1.0', env)!;
    const found = texts.filter((text) => cut.get('parse', text) !== undefined);
    expect(found).toHaveLength(texts.length - 1);
  });

  it("keeps the earlier runs' entries when a later run stores new ones, in one file of one line per entry", () => {
    const dir = project();
    const first = openParseCache(dir, '18.1.5', '0.1.0', env)!;
    first.put('parse', 'SELECT 1', { json: TREE });
    first.put('plpgsql', 'DO $$ BEGIN END $$', { json: '{\n"plpgsql_funcs": []\n}' }); // PL/pgSQL results hold line breaks
    first.flush();
    const second = openParseCache(dir, '18.1.5', '0.1.0', env)!;
    expect(second.get('parse', 'SELECT 1')).toEqual({ json: TREE });
    second.put('parse', 'SELECT 2', { json: TREE });
    second.flush();
    expect(readdirSync(second.dir)).toEqual(['entries.jsonl']);
    expect(
      lines(second.dir)
        .map((l) => l.key.split('-')[0])
        .sort(),
    ).toEqual(['parse', 'parse', 'plpgsql']);
    const third = openParseCache(dir, '18.1.5', '0.1.0', env)!;
    expect(third.get('parse', 'SELECT 1')).toEqual({ json: TREE });
    expect(third.get('parse', 'SELECT 2')).toEqual({ json: TREE });
    expect(third.read('plpgsql', 'DO $$ BEGIN END $$')).toEqual({ value: { plpgsql_funcs: [] } });
  });

  it('is no cache, never an error, when its place cannot be written', () => {
    const dir = project();
    writeFileSync(path.join(dir, 'node_modules', '.cache'), 'a file where the cache directory would go');
    const cache = openParseCache(dir, '18.1.5', '0.1.0', env)!;
    cache.put('parse', SQL, { json: TREE });
    expect(() => cache.flush()).not.toThrow();
    expect(openParseCache(dir, '18.1.5', '0.1.0', env)!.get('parse', SQL)).toBeUndefined();
  });

  it('is off with DBCTL_PARSE_CACHE=off or without a node_modules above, and skips very long inputs', () => {
    const dir = project();
    expect(openParseCache(dir, '18.1.5', '0.1.0', { DBCTL_PARSE_CACHE: 'off' })).toBeNull();
    const bare = mkdtempSync(path.join(tmpdir(), 'dbctl-parse-cache-bare-'));
    made.push(bare);
    expect(cacheRoot(bare) === null || !cacheRoot(bare)!.startsWith(bare)).toBe(true);
    const cache = openParseCache(dir, '18.1.5', '0.1.0', env)!;
    const long = `SELECT '${'x'.repeat(MAX_INPUT_CHARS)}'`;
    expect(cache.wants(long)).toBe(false);
    cache.put('parse', long, { json: TREE });
    cache.flush();
    expect(existsSync(cache.dir)).toBe(false); // nothing was queued
  });

  it('drops an entry no writing run has read in the last KEEP_WRITES, and keeps those read', () => {
    const dir = project();
    const first = openParseCache(dir, '18.1.5', '0.1.0', env)!;
    first.put('parse', 'SELECT 1', { json: TREE }); // read by every later run
    first.put('parse', 'SELECT 2', { json: TREE }); // never read again (an edited migration's earlier text)
    first.flush();
    for (let i = 0; i < KEEP_WRITES; i++) {
      const later = openParseCache(dir, '18.1.5', '0.1.0', env)!;
      expect(later.get('parse', 'SELECT 1')).toEqual({ json: TREE });
      later.put('parse', `SELECT ${100 + i}`, { json: TREE }); // each run stores something new
      later.flush();
      const kept = lines(later.dir).map((l) => l.key);
      // SELECT 2 was stored by run 1; run 1 + KEEP_WRITES is the first to drop it
      expect(kept.length).toBe(i + 2 + (i + 2 <= KEEP_WRITES ? 1 : 0));
    }
    const last = openParseCache(dir, '18.1.5', '0.1.0', env)!;
    expect(last.get('parse', 'SELECT 1')).toEqual({ json: TREE });
    expect(last.get('parse', 'SELECT 2')).toBeUndefined();
    expect(last.get('parse', `SELECT ${100 + KEEP_WRITES - 1}`)).toEqual({ json: TREE });
  });

  it("never writes a text holding the run's secrets, its own entries or earlier runs'", () => {
    const dir = project();
    const secret = 'hunter2-secret';
    const withSecret = `ALTER ROLE app PASSWORD '${secret}';`;
    // the tree holds the statement's literals, the password among them
    const secretTree = JSON.stringify({ version: 180001, stmts: [{ stmt: { AlterRoleStmt: { password: secret } } }] });
    const first = openParseCache(dir, '18.1.5', '0.1.0', env)!; // a run that did not know the password
    first.put('parse', withSecret, { json: secretTree });
    first.put('parse', 'SELECT 1', { json: TREE });
    first.flush();
    const holdsSecret = (text: string) => text.includes(secret);
    const second = openParseCache(dir, '18.1.5', '0.1.0', env, holdsSecret)!;
    second.put('parse', `${withSecret} SELECT 2;`, { json: secretTree });
    second.put('parse', 'SELECT 2', { json: TREE });
    second.flush();
    const file = readFileSync(path.join(second.dir, 'entries.jsonl'), 'utf8');
    expect(file).not.toContain(secret);
    const third = openParseCache(dir, '18.1.5', '0.1.0', env)!;
    expect(third.get('parse', 'SELECT 1')).toEqual({ json: TREE });
    expect(third.get('parse', 'SELECT 2')).toEqual({ json: TREE });
    expect(third.get('parse', withSecret)).toBeUndefined();

    // a run whose only new entry holds its secret still drops the earlier entries that hold it
    const project2 = project();
    const unaware = openParseCache(project2, '18.1.5', '0.1.0', env)!;
    unaware.put('parse', withSecret, { json: secretTree });
    unaware.flush();
    const aware = openParseCache(project2, '18.1.5', '0.1.0', env, holdsSecret)!;
    aware.put('parse', `${withSecret} SELECT 3;`, { json: secretTree });
    aware.flush();
    expect(readFileSync(path.join(aware.dir, 'entries.jsonl'), 'utf8')).not.toContain(secret);
  });

  it('stores at most MAX_QUEUED_ENTRIES entries per run (a huge migration parsed chunk by chunk)', () => {
    const dir = project();
    const cache = openParseCache(dir, '18.1.5', '0.1.0', env)!;
    for (let i = 0; i < MAX_QUEUED_ENTRIES + 50; i++) {
      if (i === MAX_QUEUED_ENTRIES) expect(cache.wants(`SELECT ${i}`)).toBe(false);
      cache.put('parse', `SELECT ${i}`, { json: TREE });
    }
    cache.flush();
    expect(lines(cache.dir)).toHaveLength(MAX_QUEUED_ENTRIES);
  });
});
