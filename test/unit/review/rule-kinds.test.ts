/**
 * `Rule.kinds`: the engine calls a rule only on the statement kinds it declares. The declaration
 * must change nothing: the same migrations reviewed with every rule called on every statement
 * give the same report, and a rule's `check` says nothing about a statement of another kind.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reviewMigrations } from '../../../src/review/engine.js';
import { RULES } from '../../../src/review/rules/index.js';
import type { ReviewMigrationInput } from '../../../src/review/types.js';
import { loadSqlParser } from '../../../src/sql/parser.js';

const FOLDERS = ['test/fixtures/review-agreement', 'test/fixtures/review', 'examples/shop/drizzle'];

function folder(dir: string): ReviewMigrationInput[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => ({ tag: name.replace(/\.sql$/, ''), file: path.join(dir, name), sql: readFileSync(path.join(dir, name), 'utf8') }));
}

describe('rule kinds', () => {
  it('declare kinds on most rules, each a statement kind name', () => {
    const declared = RULES.filter((rule) => rule.kinds);
    expect(declared.length).toBeGreaterThan(20);
    for (const rule of declared) for (const kind of rule.kinds!) expect(kind).toMatch(/^[A-Z][A-Za-z]+Stmt$/);
  });

  it('change no report: every fixture reviewed with and without them, in order and each after the first', async () => {
    const parser = await loadSqlParser();
    const everywhere = RULES.map((rule) => ({ ...rule, kinds: undefined }));
    for (const dir of FOLDERS) {
      const migrations = folder(dir);
      const inputs = [{ migrations }, ...migrations.slice(1).map((migration) => ({ migrations: [migration], context: [migrations[0]!] }))];
      for (const appliedByDbctl of [true, false]) {
        for (const input of inputs) {
          const withKinds = reviewMigrations({ ...input, appliedByDbctl }, parser);
          const withoutKinds = reviewMigrations({ ...input, appliedByDbctl }, parser, everywhere);
          expect(withKinds).toEqual(withoutKinds);
        }
      }
    }
  });
});
