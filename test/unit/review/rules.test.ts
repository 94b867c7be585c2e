/**
 * Every rule: a fixture that triggers it and near misses that do not.
 */
import { describe, expect, it } from 'vitest';
import { RULES } from '../../../src/review/rules/index.js';
import { findingsOf, review, type ReviewOptions } from './support.js';

/** Earlier migrations: the tables the fixtures alter exist, with known column types. */
const CONTEXT = [
  `CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "name" varchar(50), "email" text, "age" integer,
    "price" numeric(10,2), "mood" text, "active" boolean);
--> statement-breakpoint
CREATE TABLE "posts" ("id" bigint PRIMARY KEY NOT NULL, "author_id" bigint, "title" text, "body" text, "views" integer);
--> statement-breakpoint
CREATE TYPE "public"."mood" AS ENUM('happy', 'sad');`,
];

interface Case {
  sql: string | string[];
  options?: ReviewOptions;
  /** What the case is about (shown in the test name). */
  why: string;
}

interface RuleCases {
  trigger: Case[];
  nearMiss: Case[];
  /** Expected severity of the triggered finding (default: the rule's default). */
  severity?: 'error' | 'warning';
}

const withContext = (options: ReviewOptions = {}): ReviewOptions => ({ context: CONTEXT, ...options });

const CASES: Record<string, RuleCases> = {
  'adding-field-with-default': {
    trigger: [
      { why: 'volatile gen_random_uuid()', sql: 'ALTER TABLE "users" ADD COLUMN "token" uuid DEFAULT gen_random_uuid();' },
      { why: 'volatile clock_timestamp()', sql: 'ALTER TABLE "users" ADD COLUMN "seen_at" timestamptz DEFAULT clock_timestamp();' },
      { why: 'serial column', sql: 'ALTER TABLE "users" ADD COLUMN "seq" bigserial;' },
      { why: 'stored generated column', sql: 'ALTER TABLE "users" ADD COLUMN "name_lower" text GENERATED ALWAYS AS (lower(name)) STORED;' },
    ],
    nearMiss: [
      { why: 'stable now()', sql: 'ALTER TABLE "users" ADD COLUMN "created_at" timestamptz DEFAULT now() NOT NULL;' },
      { why: 'constant default', sql: `ALTER TABLE "users" ADD COLUMN "plan" text DEFAULT 'free' NOT NULL;` },
      {
        why: 'volatile default on a new table',
        sql: 'CREATE TABLE "t" ("id" bigint);\nALTER TABLE "t" ADD COLUMN "token" uuid DEFAULT gen_random_uuid();',
      },
    ],
  },
  'adding-foreign-key-constraint': {
    trigger: [
      {
        why: 'drizzle FK without NOT VALID',
        sql: 'ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;',
      },
      { why: 'ADD COLUMN ... REFERENCES', sql: 'ALTER TABLE "posts" ADD COLUMN "editor_id" bigint REFERENCES "users"("id");' },
    ],
    nearMiss: [
      { why: 'NOT VALID', sql: 'ALTER TABLE "posts" ADD CONSTRAINT "fk" FOREIGN KEY ("author_id") REFERENCES "users"("id") NOT VALID;' },
      {
        why: 'FK on a table created in the migration',
        sql: 'CREATE TABLE "comments" ("id" bigint, "post_id" bigint);\nALTER TABLE "comments" ADD CONSTRAINT "c_fk" FOREIGN KEY ("post_id") REFERENCES "posts"("id");',
      },
    ],
  },
  'adding-not-nullable-field': {
    trigger: [{ why: 'SET NOT NULL on an existing table', sql: 'ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;' }],
    nearMiss: [
      { why: 'new table', sql: 'CREATE TABLE "t" ("email" text);\nALTER TABLE "t" ALTER COLUMN "email" SET NOT NULL;' },
      {
        why: 'validated CHECK in earlier migrations',
        sql: [
          'ALTER TABLE "users" ADD CONSTRAINT "users_email_nn" CHECK ("email" IS NOT NULL) NOT VALID;',
          'ALTER TABLE "users" VALIDATE CONSTRAINT "users_email_nn";',
          'ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;',
        ],
      },
    ],
  },
  'adding-required-field': {
    trigger: [{ why: 'NOT NULL without default', sql: 'ALTER TABLE "users" ADD COLUMN "age2" integer NOT NULL;' }],
    nearMiss: [
      { why: 'with a default', sql: 'ALTER TABLE "users" ADD COLUMN "age2" integer DEFAULT 0 NOT NULL;' },
      { why: 'nullable', sql: 'ALTER TABLE "users" ADD COLUMN "age2" integer;' },
      { why: 'identity column fills itself', sql: 'ALTER TABLE "users" ADD COLUMN "n" bigint NOT NULL GENERATED ALWAYS AS IDENTITY;' },
    ],
  },
  'adding-serial-primary-key-field': {
    trigger: [
      { why: 'serial PRIMARY KEY column', sql: 'ALTER TABLE "posts" ADD COLUMN "pk" serial PRIMARY KEY;' },
      {
        why: 'ADD CONSTRAINT ... PRIMARY KEY on an existing table (squawk)',
        sql: 'ALTER TABLE "posts" ADD CONSTRAINT "posts_pk" PRIMARY KEY ("id");',
      },
      { why: 'ADD PRIMARY KEY without a name', sql: 'ALTER TABLE "posts" ADD PRIMARY KEY ("id");' },
    ],
    nearMiss: [
      { why: 'PRIMARY KEY USING INDEX', sql: 'ALTER TABLE "posts" ADD CONSTRAINT "posts_pkey" PRIMARY KEY USING INDEX "posts_id_idx";' },
      { why: 'serial PK in CREATE TABLE', sql: 'CREATE TABLE "t" ("id" serial PRIMARY KEY);' },
    ],
  },
  'changing-column-type': {
    trigger: [
      { why: 'integer to bigint', sql: 'ALTER TABLE "users" ALTER COLUMN "age" SET DATA TYPE bigint;' },
      { why: 'varchar shortened', sql: 'ALTER TABLE "users" ALTER COLUMN "name" SET DATA TYPE varchar(20);' },
      { why: 'unknown old type', sql: 'ALTER TABLE "accounts" ALTER COLUMN "balance" SET DATA TYPE numeric(20,4);', options: {} },
    ],
    nearMiss: [
      { why: 'varchar to text', sql: 'ALTER TABLE "users" ALTER COLUMN "name" SET DATA TYPE text;' },
      { why: 'longer varchar', sql: 'ALTER TABLE "users" ALTER COLUMN "name" SET DATA TYPE varchar(100);' },
      { why: 'unbounded varchar', sql: 'ALTER TABLE "users" ALTER COLUMN "name" SET DATA TYPE varchar;' },
      { why: 'numeric precision up', sql: 'ALTER TABLE "users" ALTER COLUMN "price" SET DATA TYPE numeric(12,2);' },
      {
        why: 'table created in this migration',
        sql: 'CREATE TABLE "t" ("n" integer);\nALTER TABLE "t" ALTER COLUMN "n" SET DATA TYPE bigint;',
      },
    ],
  },
  'constraint-missing-not-valid': {
    trigger: [
      { why: 'CHECK without NOT VALID', sql: 'ALTER TABLE "users" ADD CONSTRAINT "age_positive" CHECK ("age" > 0);' },
      {
        why: 'VALIDATE in the same migration as the NOT VALID add',
        sql: 'ALTER TABLE "users" ADD CONSTRAINT "age_positive" CHECK ("age" > 0) NOT VALID;\nALTER TABLE "users" VALIDATE CONSTRAINT "age_positive";',
      },
      {
        why: 'FK without NOT VALID when adding-foreign-key-constraint is off',
        sql: 'ALTER TABLE "posts" ADD CONSTRAINT "fk" FOREIGN KEY ("author_id") REFERENCES "users"("id");',
        options: { rules: { 'adding-foreign-key-constraint': 'off' } },
      },
    ],
    nearMiss: [
      { why: 'NOT VALID', sql: 'ALTER TABLE "users" ADD CONSTRAINT "age_positive" CHECK ("age" > 0) NOT VALID;' },
      {
        why: 'VALIDATE in a later migration',
        sql: ['ALTER TABLE "users" ADD CONSTRAINT "c" CHECK ("age" > 0) NOT VALID;', 'ALTER TABLE "users" VALIDATE CONSTRAINT "c";'],
      },
      {
        why: 'FK reported once, by adding-foreign-key-constraint',
        sql: 'ALTER TABLE "posts" ADD CONSTRAINT "fk" FOREIGN KEY ("author_id") REFERENCES "users"("id");',
      },
    ],
  },
  'disallowed-unique-constraint': {
    trigger: [
      { why: 'ADD UNIQUE', sql: 'ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");' },
      { why: 'ADD COLUMN ... UNIQUE', sql: 'ALTER TABLE "users" ADD COLUMN "handle" text UNIQUE;' },
    ],
    nearMiss: [
      { why: 'UNIQUE USING INDEX', sql: 'ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE USING INDEX "users_email_idx";' },
      { why: 'new table', sql: 'CREATE TABLE "t" ("e" text);\nALTER TABLE "t" ADD CONSTRAINT "t_e_unique" UNIQUE("e");' },
      {
        why: "ADD PRIMARY KEY is squawk's adding-serial-primary-key-field",
        sql: 'ALTER TABLE "posts" ADD CONSTRAINT "posts_pk" PRIMARY KEY ("id");',
      },
    ],
  },
  'require-concurrent-index-creation': {
    trigger: [{ why: 'drizzle index', sql: 'CREATE INDEX "users_email_idx" ON "users" USING btree ("email");' }],
    nearMiss: [
      { why: 'CONCURRENTLY', sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "users_email_idx" ON "users" USING btree ("email");' },
      { why: 'index on a new table', sql: 'CREATE TABLE "t" ("e" text);\nCREATE INDEX "t_e_idx" ON "t" ("e");' },
    ],
  },
  'require-concurrent-index-deletion': {
    trigger: [{ why: 'DROP INDEX', sql: 'DROP INDEX "users_email_idx";' }],
    nearMiss: [
      { why: 'CONCURRENTLY', sql: 'DROP INDEX CONCURRENTLY IF EXISTS "users_email_idx";' },
      { why: 'index created in this migration', sql: 'CREATE INDEX CONCURRENTLY "i" ON "users" ("email");\nDROP INDEX "i";' },
    ],
  },
  'ban-concurrent-index-creation-in-transaction': {
    trigger: [
      { why: 'inside BEGIN ... COMMIT', sql: 'BEGIN;\nCREATE INDEX CONCURRENTLY "i" ON "users" ("email");\nCOMMIT;' },
      {
        why: 'applied by raw drizzle-kit (one transaction)',
        sql: 'CREATE INDEX CONCURRENTLY "i" ON "users" ("email");',
        options: { appliedByDbctl: false },
      },
    ],
    nearMiss: [{ why: 'applied by dbctl, no BEGIN', sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "i" ON "users" ("email");' }],
  },
  'ban-drop-column': {
    trigger: [{ why: 'DROP COLUMN', sql: 'ALTER TABLE "users" DROP COLUMN "age";' }],
    nearMiss: [
      { why: 'column added in this migration', sql: 'ALTER TABLE "users" ADD COLUMN "tmp" text;\nALTER TABLE "users" DROP COLUMN "tmp";' },
      { why: 'table created in this migration', sql: 'CREATE TABLE "t" ("a" text, "b" text);\nALTER TABLE "t" DROP COLUMN "b";' },
    ],
  },
  'ban-drop-table': {
    trigger: [{ why: 'DROP TABLE', sql: 'DROP TABLE "posts" CASCADE;' }],
    nearMiss: [{ why: 'table created in this migration', sql: 'CREATE TABLE "tmp" ("a" text);\nDROP TABLE "tmp";' }],
  },
  'ban-drop-database': {
    trigger: [{ why: 'DROP DATABASE', sql: 'DROP DATABASE "legacy";' }],
    nearMiss: [{ why: 'ALTER DATABASE', sql: `ALTER DATABASE "app" SET timezone TO 'UTC';` }],
  },
  'ban-drop-schema': {
    trigger: [{ why: 'DROP SCHEMA CASCADE', sql: 'DROP SCHEMA "audit" CASCADE;' }],
    nearMiss: [{ why: 'schema created in this migration', sql: 'CREATE SCHEMA "scratch";\nDROP SCHEMA "scratch";' }],
  },
  'ban-truncate-cascade': {
    trigger: [{ why: 'TRUNCATE CASCADE', sql: 'TRUNCATE "users" CASCADE;' }],
    nearMiss: [{ why: 'plain TRUNCATE', sql: 'TRUNCATE "users";' }],
  },
  'ban-truncate': {
    trigger: [{ why: 'TRUNCATE an existing table', sql: 'TRUNCATE "posts";' }],
    nearMiss: [{ why: 'table created in this migration', sql: 'CREATE TABLE "staging" ("a" text);\nTRUNCATE "staging";' }],
  },
  'ban-drop-not-null': {
    trigger: [{ why: 'DROP NOT NULL', sql: 'ALTER TABLE "users" ALTER COLUMN "email" DROP NOT NULL;' }],
    nearMiss: [{ why: 'new table', sql: 'CREATE TABLE "t" ("e" text NOT NULL);\nALTER TABLE "t" ALTER COLUMN "e" DROP NOT NULL;' }],
  },
  'renaming-column': {
    trigger: [{ why: 'RENAME COLUMN', sql: 'ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";' }],
    nearMiss: [{ why: 'new table', sql: 'CREATE TABLE "t" ("a" text);\nALTER TABLE "t" RENAME COLUMN "a" TO "b";' }],
  },
  'renaming-table': {
    trigger: [{ why: 'RENAME TO', sql: 'ALTER TABLE "users" RENAME TO "customers";' }],
    nearMiss: [{ why: 'new table', sql: 'CREATE TABLE "t" ("a" text);\nALTER TABLE "t" RENAME TO "u";' }],
  },
  'prefer-robust-stmts': {
    trigger: [
      { why: 'CREATE INDEX CONCURRENTLY without IF NOT EXISTS', sql: 'CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email");' },
      {
        why: 'CREATE TABLE in a migration that cannot be one transaction',
        sql: 'CREATE TABLE "t" ("a" text);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "users_email_idx" ON "users" ("email");',
      },
    ],
    nearMiss: [
      { why: 'atomic migration (runs in one transaction)', sql: 'CREATE TABLE "t" ("a" text);\nDROP TABLE "posts";' },
      { why: 'IF NOT EXISTS', sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "users_email_idx" ON "users" ("email");' },
    ],
  },
  'require-lock-timeout': {
    trigger: [
      { why: 'raw drizzle-kit, no lock_timeout', sql: 'ALTER TABLE "users" ADD COLUMN "x" text;', options: { appliedByDbctl: false } },
    ],
    nearMiss: [
      { why: 'applied by dbctl', sql: 'ALTER TABLE "users" ADD COLUMN "x" text;' },
      {
        why: 'SET lock_timeout first',
        sql: `SET lock_timeout = '2s';\nALTER TABLE "users" ADD COLUMN "x" text;`,
        options: { appliedByDbctl: false },
      },
    ],
  },
  'require-statement-timeout': {
    trigger: [
      { why: 'raw drizzle-kit, no statement_timeout', sql: 'CREATE INDEX "i" ON "users" ("email");', options: { appliedByDbctl: false } },
    ],
    nearMiss: [
      { why: 'applied by dbctl', sql: 'CREATE INDEX "i" ON "users" ("email");' },
      {
        why: 'SET LOCAL statement_timeout first',
        sql: `SET LOCAL statement_timeout = '5min';\nCREATE INDEX "i" ON "users" ("email");`,
        options: { appliedByDbctl: false },
      },
    ],
  },
  'transaction-nesting': {
    trigger: [{ why: 'BEGIN/COMMIT in the file', sql: 'BEGIN;\nALTER TABLE "users" ADD COLUMN "x" text;\nCOMMIT;' }],
    nearMiss: [{ why: 'no transaction control', sql: 'ALTER TABLE "users" ADD COLUMN "x" text;' }],
  },
  'prefer-timestamptz': {
    trigger: [{ why: 'timestamp column', sql: 'CREATE TABLE "t" ("at" timestamp DEFAULT now() NOT NULL);' }],
    nearMiss: [{ why: 'timestamptz', sql: 'CREATE TABLE "t" ("at" timestamp with time zone DEFAULT now() NOT NULL);' }],
  },
  'prefer-bigint-over-int': {
    trigger: [
      { why: 'integer primary key', sql: 'CREATE TABLE "t" ("n" integer PRIMARY KEY);' },
      { why: 'integer foreign key column added', sql: 'ALTER TABLE "users" ADD COLUMN "team_id" int;' },
      { why: 'serial', sql: 'CREATE TABLE "t" ("seq" serial);' },
      { why: 'identity', sql: 'CREATE TABLE "t" ("n" integer GENERATED ALWAYS AS IDENTITY);' },
      { why: 'array element type int[] (id-like)', sql: 'CREATE TABLE "t" ("tag_ids" int[]);' },
      { why: 'counter', sql: 'CREATE TABLE "t" ("view_count" integer DEFAULT 0 NOT NULL);' },
      { why: 'camelCase id', sql: 'CREATE TABLE "t" ("ownerId" integer);' },
      {
        why: 'foreign key added by a later statement, as drizzle-kit writes it',
        sql: 'CREATE TABLE "t" ("owner" integer);--> statement-breakpoint\nALTER TABLE "t" ADD CONSTRAINT "t_owner_fk" FOREIGN KEY ("owner") REFERENCES "users"("id");',
      },
      { why: 'table-level primary key', sql: 'CREATE TABLE "t" ("a" integer, "b" integer, PRIMARY KEY ("a", "b"));' },
    ],
    nearMiss: [
      { why: 'bigint', sql: 'CREATE TABLE "t" ("n" bigint);' },
      { why: 'a port (not id-like)', sql: 'CREATE TABLE "servers" ("port" integer NOT NULL, "mtu" integer, "position" integer);' },
      { why: 'bigint[]', sql: 'CREATE TABLE "t" ("tag_ids" bigint[]);' },
      { why: 'a word ending in "id" that is not an id', sql: 'CREATE TABLE "t" ("paid" integer, "valid" integer);' },
    ],
  },
  'prefer-bigint-over-smallint': {
    trigger: [
      { why: 'smallint id', sql: 'CREATE TABLE "t" ("id" smallint PRIMARY KEY);' },
      { why: 'smallserial', sql: 'CREATE TABLE "t" ("n" smallserial);' },
      { why: 'smallint[] of ids', sql: 'ALTER TABLE "users" ADD COLUMN "role_ids" smallint[];' },
    ],
    nearMiss: [
      { why: 'a bounded smallint', sql: 'CREATE TABLE "t" ("priority" smallint);' },
      { why: 'bigint id', sql: 'CREATE TABLE "t" ("id" bigint PRIMARY KEY);' },
    ],
  },
  'prefer-jsonb': {
    trigger: [
      { why: 'json column', sql: 'CREATE TABLE "t" ("data" json);' },
      { why: 'json added', sql: 'ALTER TABLE "users" ADD COLUMN "meta" json;' },
    ],
    nearMiss: [{ why: 'jsonb', sql: 'CREATE TABLE "t" ("data" jsonb);' }],
  },
  'identifier-too-long': {
    trigger: [
      {
        why: "drizzle-kit's generated foreign-key name",
        sql: 'ALTER TABLE "organization_memberships" ADD CONSTRAINT "organization_memberships_organization_id_organizations_id_foreign_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;',
        options: { rules: { 'adding-foreign-key-constraint': 'off' } },
      },
      { why: 'long table name', sql: 'CREATE TABLE "table_very_long_very_long_very_long_very_long_very_long_very_long" ("id" bigint);' },
      { why: 'multibyte name over 63 bytes', sql: `CREATE TABLE "t" ("${'é'.repeat(32)}" text);` },
    ],
    nearMiss: [
      { why: '63 bytes exactly', sql: `CREATE TABLE "${'a'.repeat(63)}" ("id" bigint);` },
      { why: 'short names', sql: 'CREATE TABLE "t" ("id" bigint);' },
    ],
  },
  'require-concurrent-partition-detach': {
    trigger: [{ why: 'DETACH PARTITION', sql: 'ALTER TABLE "events" DETACH PARTITION "events_2023";' }],
    nearMiss: [
      { why: 'CONCURRENTLY', sql: 'ALTER TABLE "events" DETACH PARTITION "events_2023" CONCURRENTLY;' },
      { why: 'FINALIZE', sql: 'ALTER TABLE "events" DETACH PARTITION "events_2023" FINALIZE;' },
    ],
  },
  'require-enum-value-ordering': {
    trigger: [
      { why: 'ADD VALUE without position', sql: `ALTER TYPE "public"."mood" ADD VALUE 'meh';` },
      { why: 'ADD VALUE IF NOT EXISTS without position', sql: `ALTER TYPE "mood" ADD VALUE IF NOT EXISTS 'meh';` },
    ],
    nearMiss: [
      { why: 'BEFORE', sql: `ALTER TYPE "mood" ADD VALUE 'meh' BEFORE 'sad';` },
      { why: 'AFTER', sql: `ALTER TYPE "mood" ADD VALUE 'meh' AFTER 'happy';` },
    ],
  },
  'ban-alter-domain-with-add-constraint': {
    trigger: [{ why: 'ALTER DOMAIN ADD CONSTRAINT', sql: 'ALTER DOMAIN "positive" ADD CONSTRAINT "positive_check" CHECK (VALUE > 0);' }],
    nearMiss: [{ why: 'ALTER DOMAIN SET DEFAULT', sql: 'ALTER DOMAIN "positive" SET DEFAULT 1;' }],
  },
  'ban-create-domain-with-constraint': {
    trigger: [{ why: 'CREATE DOMAIN ... CHECK', sql: 'CREATE DOMAIN "positive" AS integer CHECK (VALUE > 0);' }],
    nearMiss: [{ why: 'CREATE DOMAIN without constraint', sql: 'CREATE DOMAIN "email" AS text;' }],
  },
  'renaming-enum-value': {
    trigger: [{ why: 'RENAME VALUE', sql: `ALTER TYPE "mood" RENAME VALUE 'sad' TO 'unhappy';` }],
    nearMiss: [{ why: 'ADD VALUE', sql: `ALTER TYPE "mood" ADD VALUE 'meh' AFTER 'sad';` }],
  },
  'renaming-schema': {
    trigger: [{ why: 'ALTER SCHEMA RENAME', sql: 'ALTER SCHEMA "audit" RENAME TO "audit_log";' }],
    nearMiss: [{ why: 'CREATE SCHEMA', sql: 'CREATE SCHEMA "audit_log";' }],
  },
  'adding-exclusion-constraint': {
    trigger: [
      {
        why: 'ADD CONSTRAINT ... EXCLUDE (eugene E8)',
        sql: 'ALTER TABLE "posts" ADD CONSTRAINT "no_overlap" EXCLUDE USING gist ("author_id" WITH =);',
      },
    ],
    nearMiss: [
      {
        why: 'EXCLUDE on a new table',
        sql: 'CREATE TABLE "t" ("r" int4range);\nALTER TABLE "t" ADD CONSTRAINT "x" EXCLUDE USING gist ("r" WITH &&);',
      },
    ],
  },
  'attach-partition-without-check': {
    trigger: [
      {
        why: 'ATTACH PARTITION of an existing table',
        sql: `ALTER TABLE "events" ATTACH PARTITION "events_2024" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');`,
      },
    ],
    nearMiss: [
      {
        why: 'partition created in this migration',
        sql: `CREATE TABLE "events_2025" ("id" bigint, "at" timestamptz);\nALTER TABLE "events" ATTACH PARTITION "events_2025" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');`,
      },
    ],
  },
  'reused-constraint-index': {
    trigger: [
      {
        why: 'second UNIQUE USING INDEX after the index was consumed',
        sql: 'ALTER TABLE "users" ADD CONSTRAINT "users_email_key" UNIQUE USING INDEX "users_email_idx";\nALTER TABLE "users" ADD CONSTRAINT "users_email_key2" UNIQUE USING INDEX "users_email_idx";',
      },
      {
        why: 'consumed in an earlier migration',
        sql: [
          'ALTER TABLE "users" ADD CONSTRAINT "users_email_idx" UNIQUE USING INDEX "users_email_idx";',
          'ALTER TABLE "posts" ADD CONSTRAINT "p" UNIQUE USING INDEX "users_email_idx";',
        ],
      },
    ],
    nearMiss: [
      { why: 'one USING INDEX', sql: 'ALTER TABLE "users" ADD CONSTRAINT "users_email_key" UNIQUE USING INDEX "users_email_idx";' },
    ],
  },
  'lock-held-during-slow-statement': {
    trigger: [
      {
        why: 'index build after an ALTER TABLE in the same transaction (eugene E4)',
        sql: 'ALTER TABLE "users" ADD COLUMN "x" text;\nCREATE INDEX "posts_title_idx" ON "posts" ("title");',
      },
      {
        why: 'validation after a brief ALTER on another table',
        sql: 'ALTER TABLE "users" RENAME COLUMN "mood" TO "feeling";\nALTER TABLE "posts" VALIDATE CONSTRAINT "posts_views_check";',
      },
    ],
    nearMiss: [
      {
        why: 'the slow statement first',
        sql: 'CREATE INDEX "posts_title_idx" ON "posts" ("title");\nALTER TABLE "users" ADD COLUMN "x" text;',
      },
      {
        why: 'CONCURRENTLY runs outside the transaction',
        sql: 'ALTER TABLE "users" ADD COLUMN "x" text;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "i" ON "posts" ("title");',
      },
      {
        why: 'the lock is on a table created in the migration',
        sql: 'CREATE TABLE "t" ("a" text);\nALTER TABLE "t" ADD COLUMN "b" text;\nCREATE INDEX "i" ON "posts" ("title");',
      },
      {
        why: 'separate migrations',
        sql: ['ALTER TABLE "users" ADD COLUMN "x" text;', 'CREATE INDEX "posts_title_idx" ON "posts" ("title");'],
      },
    ],
  },
  'opaque-statement': {
    trigger: [
      { why: 'DO block with dynamic SQL', sql: `DO $$ BEGIN EXECUTE 'DROP TABLE ' || 'posts'; END $$;` },
      { why: 'user function call', sql: 'SELECT archive_old_posts();' },
      { why: 'CALL a procedure', sql: 'CALL cleanup();' },
    ],
    nearMiss: [
      { why: 'setval', sql: `SELECT setval('users_id_seq', 100);` },
      { why: 'a plain query', sql: 'SELECT 1;' },
      {
        why: "PostgreSQL's own functions in a data migration (window, array and string functions, as the analysis judges them)",
        sql: `UPDATE "users" SET "name" = upper(left(array_to_string(regexp_split_to_array("email", '@'), ' '), 3)) WHERE "id" IN (SELECT "id" FROM (SELECT "id", row_number() OVER (ORDER BY "id") AS rn FROM "users") x WHERE rn < 10);`,
      },
      {
        why: 'a DO block the analysis sees all of: a guard that only reads and raises',
        sql: `DO $$ BEGIN IF EXISTS (SELECT 1 FROM "users" WHERE "email" IS NULL) THEN RAISE EXCEPTION 'users without email'; END IF; END $$;`,
      },
      {
        why: 'a function the migration defines (the analysis sees into it)',
        sql: `CREATE OR REPLACE FUNCTION gen_id() RETURNS text AS $$ BEGIN RETURN md5(random()::text); END $$ LANGUAGE plpgsql;\nUPDATE "users" SET "name" = gen_id() WHERE "name" IS NULL;`,
      },
    ],
  },
  'unreviewed-lock': {
    trigger: [
      {
        why: 'a rewrite no specific rule covers (materialized view SET TABLESPACE)',
        sql: 'ALTER MATERIALIZED VIEW "stats" SET TABLESPACE "fast";',
      },
    ],
    nearMiss: [
      { why: 'covered by a specific rule', sql: 'CREATE INDEX "i" ON "users" ("email");' },
      {
        why: 'covered by a specific rule set to off (the user accepted that hazard)',
        sql: 'CLUSTER;',
        options: { rules: { 'blocking-table-rewrite': 'off' } },
      },
      { why: 'nothing blocking', sql: 'ALTER TABLE "users" ADD COLUMN "x" text;' },
    ],
  },
  'unreviewed-destruction': {
    trigger: [
      { why: 'DROP TYPE ... CASCADE', sql: 'DROP TYPE "public"."mood" CASCADE;' },
      { why: 'DROP SEQUENCE', sql: 'DROP SEQUENCE "users_id_seq";' },
    ],
    nearMiss: [
      { why: 'covered by ban-drop-column', sql: 'ALTER TABLE "users" DROP COLUMN "age";' },
      { why: 'type created in this migration', sql: `CREATE TYPE "t" AS ENUM ('a');\nDROP TYPE "t";` },
    ],
  },
  'prefer-identity': {
    trigger: [{ why: 'serial', sql: 'CREATE TABLE "t" ("id" serial PRIMARY KEY NOT NULL);' }],
    nearMiss: [{ why: 'identity', sql: 'CREATE TABLE "t" ("id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY);' }],
  },
  'prefer-text-field': {
    trigger: [{ why: 'varchar(256)', sql: 'CREATE TABLE "t" ("email" varchar(256) NOT NULL);' }],
    nearMiss: [
      { why: 'text', sql: 'CREATE TABLE "t" ("email" text NOT NULL);' },
      { why: 'unbounded varchar', sql: 'CREATE TABLE "t" ("email" varchar NOT NULL);' },
    ],
  },
  'ban-char-field': {
    trigger: [{ why: 'char(2)', sql: 'CREATE TABLE "t" ("code" char(2));' }],
    nearMiss: [{ why: 'text', sql: 'CREATE TABLE "t" ("code" text);' }],
  },
  'syntax-error': {
    trigger: [{ why: 'parse error', sql: 'ALTER TABLE "users" ADD COLUMN;' }],
    nearMiss: [{ why: 'valid SQL', sql: 'ALTER TABLE "users" ADD COLUMN "x" text;' }],
  },
  'unused-ignore': {
    trigger: [
      { why: 'ignore that suppresses nothing', sql: '-- dbctl-ignore ban-drop-column: leftover\nALTER TABLE "users" ADD COLUMN "x" text;' },
    ],
    nearMiss: [
      {
        why: 'ignore that suppresses a finding',
        sql: '-- dbctl-ignore ban-drop-column: archived first\nALTER TABLE "users" DROP COLUMN "age";',
      },
    ],
  },
  'unknown-rule': {
    trigger: [{ why: 'misspelt id', sql: '-- dbctl-ignore ban-drop-colum: typo\nALTER TABLE "users" DROP COLUMN "age";' }],
    nearMiss: [{ why: 'known id', sql: '-- dbctl-ignore ban-drop-column: ok\nALTER TABLE "users" DROP COLUMN "age";' }],
  },
  'rename-as-drop-and-add': {
    trigger: [
      {
        why: 'drop + add column on one table',
        sql: 'ALTER TABLE "users" ADD COLUMN "full_name" varchar(50);--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN "name";',
      },
      {
        why: 'drop + create table with similar columns',
        sql: 'CREATE TABLE "articles" ("id" bigint PRIMARY KEY NOT NULL, "author_id" bigint, "title" text, "body" text, "views" integer);--> statement-breakpoint\nDROP TABLE "posts" CASCADE;',
      },
    ],
    nearMiss: [
      { why: 'drop only', sql: 'ALTER TABLE "users" DROP COLUMN "name";' },
      {
        why: 'add and drop on different tables',
        sql: 'ALTER TABLE "posts" ADD COLUMN "slug" text;\nALTER TABLE "users" DROP COLUMN "name";',
      },
      {
        why: 'drop + unrelated create',
        sql: 'CREATE TABLE "invoices" ("id" bigint, "total" numeric, "due" date);\nDROP TABLE "posts";',
      },
      {
        why: 'json dropped, text added (incompatible types: not a rename)',
        sql: [
          'CREATE TABLE "Chat" ("id" uuid PRIMARY KEY, "messages" json NOT NULL);',
          'ALTER TABLE "Chat" ADD COLUMN "title" text NOT NULL;--> statement-breakpoint\nALTER TABLE "Chat" DROP COLUMN IF EXISTS "messages";',
        ],
      },
      {
        why: 'drizzle snapshots show the rename question was answered "create"',
        sql: 'ALTER TABLE "users" ADD COLUMN "full_name" varchar(50);--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN "name";',
        options: { answeredCreate: [['public.users.full_name']] },
      },
    ],
  },
  'set-not-null-without-check': {
    trigger: [
      {
        why: 'CHECK added and validated in the same migration',
        sql: 'ALTER TABLE "users" ADD CONSTRAINT "users_email_nn" CHECK ("email" IS NOT NULL) NOT VALID;\nALTER TABLE "users" VALIDATE CONSTRAINT "users_email_nn";\nALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;',
      },
      {
        why: 'CHECK never validated',
        sql: [
          'ALTER TABLE "users" ADD CONSTRAINT "users_email_nn" CHECK ("email" IS NOT NULL) NOT VALID;',
          'ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;',
        ],
      },
    ],
    nearMiss: [
      {
        why: 'CHECK validated in an earlier migration',
        sql: [
          'ALTER TABLE "users" ADD CONSTRAINT "users_email_nn" CHECK ("email" IS NOT NULL) NOT VALID;',
          'ALTER TABLE "users" VALIDATE CONSTRAINT "users_email_nn";',
          'ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;',
        ],
      },
      { why: 'no CHECK at all (adding-not-nullable-field reports it)', sql: 'ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;' },
    ],
  },
  'enum-value-added-and-used': {
    trigger: [
      {
        why: 'value used later',
        sql: `ALTER TYPE "public"."mood" ADD VALUE 'meh';--> statement-breakpoint\nUPDATE "users" SET "mood" = 'meh' WHERE "id" = 1;`,
      },
    ],
    nearMiss: [
      {
        why: 'value not used',
        sql: `ALTER TYPE "public"."mood" ADD VALUE 'meh';--> statement-breakpoint\nUPDATE "users" SET "mood" = 'sad' WHERE "id" = 1;`,
      },
      {
        why: 'value used in the next migration',
        sql: [`ALTER TYPE "public"."mood" ADD VALUE 'meh';`, `UPDATE "users" SET "mood" = 'meh' WHERE "id" = 1;`],
      },
    ],
  },
  'mutation-without-where': {
    trigger: [
      { why: 'UPDATE without WHERE', sql: 'UPDATE "users" SET "active" = true;' },
      { why: 'DELETE without WHERE', sql: 'DELETE FROM "posts";' },
    ],
    nearMiss: [
      { why: 'with WHERE', sql: 'UPDATE "users" SET "active" = true WHERE "active" IS NULL;' },
      { why: 'table created in this migration', sql: 'CREATE TABLE "t" ("a" int);\nUPDATE "t" SET "a" = 1;' },
    ],
  },
  'blocking-table-rewrite': {
    trigger: [
      { why: 'VACUUM FULL', sql: 'VACUUM FULL "users";' },
      { why: 'SET TABLESPACE', sql: 'ALTER TABLE "users" SET TABLESPACE "fast";' },
      { why: 'REINDEX without CONCURRENTLY', sql: 'REINDEX TABLE "users";' },
    ],
    nearMiss: [
      { why: 'plain VACUUM', sql: 'VACUUM "users";' },
      { why: 'REINDEX CONCURRENTLY', sql: 'REINDEX TABLE CONCURRENTLY "users";' },
    ],
  },
};

describe('every registered rule has fixtures', () => {
  it('covers all rules', () => {
    const missing = RULES.map((r) => r.id).filter((id) => !CASES[id]);
    expect(missing).toEqual([]);
  });
  it('has no fixtures for unregistered rules', () => {
    const ids = new Set(RULES.map((r) => r.id));
    expect(Object.keys(CASES).filter((id) => !ids.has(id))).toEqual([]);
  });
});

for (const [rule, cases] of Object.entries(CASES)) {
  describe(rule, () => {
    for (const c of cases.trigger) {
      it(`triggers: ${c.why}`, async () => {
        const report = await review(c.sql, withContext(c.options));
        const found = findingsOf(report, rule);
        expect(
          found.length,
          JSON.stringify(
            report.migrations.map((m) => m.statements.map((s) => s.findings)),
            null,
            1,
          ),
        ).toBeGreaterThan(0);
        const expected = cases.severity ?? RULES.find((r) => r.id === rule)!.defaultSeverity;
        if (rule !== 'enum-value-added-and-used') expect(found[0]!.severity).toBe(expected);
        for (const f of found) {
          expect(f.message.length).toBeGreaterThan(10);
          expect(f.fix.length).toBeGreaterThan(10);
          expect(f.line).toBeGreaterThan(0);
        }
      });
    }
    for (const c of cases.nearMiss) {
      it(`near miss: ${c.why}`, async () => {
        const report = await review(c.sql, withContext(c.options));
        expect(findingsOf(report, rule)).toEqual([]);
      });
    }
  });
}

describe('rule details', () => {
  it('enum value used later is a warning under dbctl and an error for raw drizzle-kit', async () => {
    const sql = `ALTER TYPE "mood" ADD VALUE 'meh';\nUPDATE "users" SET "mood" = 'meh' WHERE "id" = 1;`;
    expect(findingsOf(await review(sql, withContext()), 'enum-value-added-and-used')[0]!.severity).toBe('warning');
    expect(findingsOf(await review(sql, withContext({ appliedByDbctl: false })), 'enum-value-added-and-used')[0]!.severity).toBe('error');
  });

  it('rename-as-drop-and-add proposes the exact --rename flag', async () => {
    const report = await review(
      'ALTER TABLE "users" ADD COLUMN "full_name" varchar(50);\nALTER TABLE "users" DROP COLUMN "name";',
      withContext(),
    );
    expect(findingsOf(report, 'rename-as-drop-and-add')[0]!.fix).toContain('dbctl generate --rename users.name=users.full_name');
    const other = await review(
      'ALTER TABLE "billing"."invoices" ADD COLUMN "total_cents" bigint;\nALTER TABLE "billing"."invoices" DROP COLUMN "total";',
    );
    expect(findingsOf(other, 'rename-as-drop-and-add')[0]!.fix).toContain('--rename billing.invoices.total=billing.invoices.total_cents');
    const table = await review(
      'CREATE TABLE "articles" ("id" bigint, "author_id" bigint, "title" text, "body" text, "views" integer);\nDROP TABLE "posts";',
      withContext(),
    );
    expect(findingsOf(table, 'rename-as-drop-and-add')[0]!.fix).toContain('--rename posts=articles');
  });

  it('changing-column-type without known old type explains the varchar exemption', async () => {
    const report = await review('ALTER TABLE "accounts" ALTER COLUMN "note" SET DATA TYPE text;');
    const [finding] = findingsOf(report, 'changing-column-type');
    expect(finding!.message).toContain('if it was varchar');
  });

  it('a migration that only creates objects, adds a nullable column or indexes CONCURRENTLY has no error', async () => {
    const sql = [
      'CREATE TABLE "tags" ("id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY, "name" text NOT NULL);',
      'CREATE UNIQUE INDEX "tags_name_idx" ON "tags" ("name");',
      'ALTER TABLE "tags" ADD CONSTRAINT "tags_name_len" CHECK (char_length("name") < 100);',
      'ALTER TABLE "users" ADD COLUMN "nickname" text;',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "users_nickname_idx" ON "users" ("nickname");',
      `CREATE TYPE "public"."status" AS ENUM('on', 'off');`,
      'CREATE SCHEMA IF NOT EXISTS "reporting";',
    ].join('\n--> statement-breakpoint\n');
    const report = await review(sql, withContext());
    expect(report.summary.errors).toBe(0);
  });
});
