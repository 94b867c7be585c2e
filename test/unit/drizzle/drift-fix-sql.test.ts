/**
 * The pure parts of drift and fix: each fix statement made to succeed whether or not its object is
 * already as wanted (parser-guided), and the comparison of PostgreSQL's own definitions.
 */
import { describe, expect, it } from 'vitest';
import { compareExtras, type CatalogObject } from '../../../src/drizzle/live/catalog-extras.js';
import { idempotent } from '../../../src/drizzle/live/idempotent.js';

describe('idempotent fix statements', () => {
  it('adds IF EXISTS / IF NOT EXISTS where the grammar puts them, drops a constraint before adding it, leaves the rest', async () => {
    expect(
      await idempotent([
        'ALTER TABLE "users" DROP COLUMN "nickname";',
        'ALTER TABLE "posts" ADD COLUMN "legacy" text;',
        'ALTER TABLE "a" DROP CONSTRAINT "a_fk";',
        'ALTER TABLE "auth"."accounts" ADD CONSTRAINT "accounts_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id");',
        'CREATE UNIQUE INDEX CONCURRENTLY "u" ON "users" USING btree ("name");',
        'CREATE INDEX "i" ON "users" USING btree ("name");',
        'DROP INDEX "i";',
        'DROP MATERIALIZED VIEW "m";',
        'CREATE TABLE "t" ("id" integer);',
        'CREATE SCHEMA "s";',
        `ALTER TYPE "public"."mood" ADD VALUE 'ok' BEFORE 'happy';`,
        `CREATE TYPE "public"."mood" AS ENUM('a', 'b');`,
        'CREATE VIEW "v" AS SELECT 1;',
        'ALTER TABLE "users" ALTER COLUMN "name" SET NOT NULL;',
        'DROP TABLE IF EXISTS "x";',
      ]),
    ).toEqual([
      'ALTER TABLE "users" DROP COLUMN IF EXISTS "nickname";',
      'ALTER TABLE "posts" ADD COLUMN IF NOT EXISTS "legacy" text;',
      'ALTER TABLE "a" DROP CONSTRAINT IF EXISTS "a_fk";',
      'ALTER TABLE "auth"."accounts" DROP CONSTRAINT IF EXISTS "accounts_fk";',
      'ALTER TABLE "auth"."accounts" ADD CONSTRAINT "accounts_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id");',
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "u" ON "users" USING btree ("name");',
      'CREATE INDEX IF NOT EXISTS "i" ON "users" USING btree ("name");',
      'DROP INDEX IF EXISTS "i";',
      'DROP MATERIALIZED VIEW IF EXISTS "m";',
      'CREATE TABLE IF NOT EXISTS "t" ("id" integer);',
      'CREATE SCHEMA IF NOT EXISTS "s";',
      `ALTER TYPE "public"."mood" ADD VALUE IF NOT EXISTS 'ok' BEFORE 'happy';`,
      `DO $$ BEGIN\n CREATE TYPE "public"."mood" AS ENUM('a', 'b');\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;`,
      'CREATE OR REPLACE VIEW "v" AS SELECT 1;',
      'ALTER TABLE "users" ALTER COLUMN "name" SET NOT NULL;',
      'DROP TABLE IF EXISTS "x";',
    ]);
  });
});

const obj = (kind: CatalogObject['kind'], key: string, def: string, drop = ''): CatalogObject => ({
  kind,
  key,
  label: `${kind} ${key}`,
  def,
  drop,
});

describe('compareExtras', () => {
  it('enum order is a difference it cannot express; an extension the database has and no migration makes too', () => {
    const diffs = compareExtras(
      [obj('enum', 'public.mood', "'sad', 'happy', 'ok'"), obj('extension', 'pg_trgm', 'public')],
      [obj('enum', 'public.mood', "'sad', 'ok', 'happy'")],
    );
    expect(diffs.map((d) => [d.line, d.sql])).toEqual([
      ["enum public.mood: values ordered 'sad', 'happy', 'ok' in the database, 'sad', 'ok', 'happy' in the migrations", null],
      ['extension pg_trgm: in the database, not in the migrations', null],
    ]);
  });

  it('functions and triggers: missing, different, extra; indexes only when both sides have them', () => {
    const diffs = compareExtras(
      [
        obj('function', 'public.f()', 'CREATE OR REPLACE FUNCTION public.f() ... 2', 'DROP FUNCTION IF EXISTS public.f();'),
        obj('trigger', 'public.t.old', 'CREATE TRIGGER old ...', 'DROP TRIGGER IF EXISTS old ON public.t;'),
        obj('index', 'public.t.i', 'CREATE INDEX i ON public.t USING btree (a)', 'DROP INDEX IF EXISTS public.i;'),
        obj('index', 'public.t.only_live', 'x'),
      ],
      [
        obj('function', 'public.f()', 'CREATE OR REPLACE FUNCTION public.f() ... 1'),
        obj('trigger', 'public.t.trg', 'CREATE TRIGGER trg ...', 'DROP TRIGGER IF EXISTS trg ON public.t;'),
        obj('index', 'public.t.i', 'CREATE INDEX i ON public.t USING btree (lower(a))'),
      ],
    );
    expect(diffs.map((d) => d.line)).toEqual([
      'function public.f(): definition differs between the database and the migrations',
      'trigger public.t.trg: missing in the database',
      'index public.t.i: the database has `CREATE INDEX i ON public.t USING btree (a)`, the migrations make `CREATE INDEX i ON public.t USING btree (lower(a))`',
      'trigger public.t.old: in the database, not in the migrations',
    ]);
    expect(diffs.map((d) => d.sql)).toEqual([
      ['CREATE OR REPLACE FUNCTION public.f() ... 1;'],
      ['DROP TRIGGER IF EXISTS trg ON public.t;', 'CREATE TRIGGER trg ...;'],
      ['DROP INDEX IF EXISTS public.i;', 'CREATE INDEX i ON public.t USING btree (lower(a));'],
      ['DROP TRIGGER IF EXISTS old ON public.t;'],
    ]);
  });
});
