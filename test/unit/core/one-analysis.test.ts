/**
 * One analysis: migrate (apply engine, dry run, guards, backups: core/analyze.ts) and review
 * (review/engine.ts) reach every statement's class through the same splitter and classification,
 * so they give one answer. Every statement of the test corpora goes through both consumers: the SQL
 * fixtures, the example project's migrations, every SQL string of the review unit tests, and the
 * cases of issue 9.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzePendingMigrations, type AnalyzedChunk } from '../../../src/core/analyze.js';
import { reviewMigrations } from '../../../src/review/engine.js';
import type { ReviewMigration } from '../../../src/review/types.js';
import { loadSqlParser, type SqlParser } from '../../../src/sql/parser.js';

const root = path.resolve(__dirname, '../../..');
let parser: SqlParser;
beforeAll(async () => {
  parser = await loadSqlParser();
});

const SEVERITY = { safe: 0, locking: 1, destructive: 2 } as const;

/** For each chunk (migrate's view), the most severe class review gave the statements in it. */
function reviewClassByChunk(migration: ReviewMigration, chunks: AnalyzedChunk[]): string[] {
  const out = chunks.map(() => 'safe' as keyof typeof SEVERITY);
  for (const statement of migration.statements) {
    let k = -1;
    for (let i = 0; i < chunks.length && chunks[i]!.line <= statement.line; i++) k = i;
    if (k < 0) continue;
    if (SEVERITY[statement.class] > SEVERITY[out[k]!]) out[k] = statement.class;
  }
  return out;
}

/** Runs `migrations` (after `context`) through migrate's analysis and review; returns both answers. */
function bothWays(context: string[], migrations: string[]): { migrate: string[][]; review: string[][] } {
  const folder = [...context, ...migrations].map((text) => ({ text }));
  const pending = folder.slice(context.length);
  const analysed = analyzePendingMigrations(parser, folder, pending);
  const report = reviewMigrations(
    {
      context: context.map((sql, i) => ({ tag: `c${i}`, sql })),
      migrations: migrations.map((sql, i) => ({ tag: `${String(i).padStart(4, '0')}_m`, file: `m${i}.sql`, sql })),
    },
    parser,
  );
  return {
    migrate: analysed.map((chunks) => chunks.map((c) => c.class)),
    review: report.migrations.map((m, i) => reviewClassByChunk(m, analysed[i]!)),
  };
}

function sqlFolder(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'));
}

/** Every plain string literal of a TypeScript test file. */
function stringLiterals(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) out.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

describe('migrate and review give one answer', () => {
  it('on the SQL fixtures and the example project, migration by migration with the ones before as context', () => {
    for (const dir of [path.join(root, 'test/fixtures/review'), path.join(root, 'examples/shop/drizzle')]) {
      const files = sqlFolder(dir);
      expect(files.length).toBeGreaterThan(0);
      for (let i = 0; i < files.length; i++) {
        const { migrate, review } = bothWays(files.slice(0, i), [files[i]!]);
        expect(review, `${dir} #${i}`).toEqual(migrate);
      }
    }
  });

  it('on every SQL string of the review unit tests, with and without their context', () => {
    const dir = path.join(root, 'test/unit/review');
    const context = stringLiterals(path.join(dir, 'rules.test.ts')).filter((s) => s.includes('CREATE TABLE "users"'));
    let checked = 0;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      for (const text of stringLiterals(path.join(dir, file))) {
        if (text.length < 6 || text.length > 200_000) continue;
        const parsed = parser.parse(text);
        if ('error' in parsed || parsed.statements.length === 0) continue;
        for (const ctx of [[], context]) {
          const { migrate, review } = bothWays(ctx, [text]);
          expect(review, `${file}: ${text.slice(0, 120)}`).toEqual(migrate);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("on issue 9's cases", () => {
    const users = 'CREATE TABLE "users" ("id" serial PRIMARY KEY, "age" integer, "name" varchar(50), "bio" text);';
    const cases: [string[], string, string[]][] = [
      [[users], 'ALTER TABLE "users" ALTER COLUMN "age" SET DATA TYPE bigint;', ['locking']],
      [[users], 'ALTER TABLE "users" ALTER COLUMN "name" SET DATA TYPE varchar(100);', ['safe']],
      [[users], 'ALTER TABLE "users" ALTER COLUMN "age" SET DATA TYPE smallint;', ['destructive']],
      [[], 'ALTER TABLE "posts" RENAME TO "posts_old";\n--> statement-breakpoint\nDROP TABLE "posts_old";', ['safe', 'destructive']],
      [[], 'SET search_path TO archive; DROP TABLE users CASCADE;', ['destructive']],
      [[], 'WITH d AS (DELETE FROM "posts" RETURNING 1) SELECT count(*) FROM d;', ['destructive']],
      [[], "DO $$ BEGIN EXECUTE 'TRUNCATE posts'; END $$;", ['destructive']],
      [[], 'DO $$ BEGIN DROP TABLE archive.users; END $$', ['destructive']],
      [[], 'DROP TYPE "mood" CASCADE;\n--> statement-breakpoint\nDROP DOMAIN "posint" CASCADE;', ['destructive', 'destructive']],
      [[], 'SELECT my_fn();', ['destructive']],
      [
        [users, 'CREATE TABLE "posts" ("id" serial PRIMARY KEY, "user_id" integer);'],
        'DO $$ BEGIN\n ALTER TABLE "posts" ADD CONSTRAINT "posts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;',
        ['locking'],
      ],
    ];
    for (const [context, sql, expected] of cases) {
      const { migrate, review } = bothWays(context, [sql]);
      expect(migrate, sql).toEqual([expected]);
      expect(review, sql).toEqual([expected]);
    }
  });

  it('a migration applied after pending ones teaches the later ones (as review of several does)', () => {
    const first = 'CREATE TABLE "t" ("a" integer);';
    const second = 'ALTER TABLE "t" ALTER COLUMN "a" SET DATA TYPE bigint;';
    // t is created by the first pending migration: the second's change is on a table that exists
    // before it, with a known type.
    const { migrate, review } = bothWays([], [first, second]);
    expect(migrate).toEqual([['safe'], ['locking']]);
    expect(review).toEqual(migrate);
  });

  it("review sees through drizzle-kit's foreign-key DO wrapper as the analysis does: the same findings as the bare statement", () => {
    const context = [
      'CREATE TABLE "users" ("id" serial PRIMARY KEY);\n--> statement-breakpoint\nCREATE TABLE "posts" ("id" serial PRIMARY KEY, "user_id" integer);',
    ];
    const fk =
      'ALTER TABLE "posts" ADD CONSTRAINT "posts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;';
    const wrapped = `DO $$ BEGIN\n ${fk}\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;`;
    const findings = (sql: string) =>
      reviewMigrations(
        { context: context.map((c, i) => ({ tag: `c${i}`, sql: c })), migrations: [{ tag: 'm', file: 'm.sql', sql }] },
        parser,
      ).migrations[0]!.statements.flatMap((s) => s.findings.map((f) => `${s.class} ${f.rule} ${f.severity}`));
    expect(findings(fk)).toContain('locking adding-foreign-key-constraint error');
    expect(findings(wrapped)).toEqual(findings(fk));
    const { migrate, review } = bothWays(context, [wrapped]);
    expect(migrate).toEqual([['locking']]);
    expect(review).toEqual(migrate);
  });
});
