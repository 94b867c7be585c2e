/**
 * Issue 13's cases, from their SQL: option values read, misses and false alarms fixed, squawk's
 * ids, less noise, and no blocking or destructive statement without a finding.
 */
import { describe, expect, it } from 'vitest';
import { classifyStatements } from '../../../src/core/classify.js';
import { findingsOf, firedRules, getParser, review, type ReviewOptions } from './support.js';

const CONTEXT = [
  `CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text, "handle" text NOT NULL, "created_at" timestamp(3), "starts" time(0), "span" interval(2), "tags" integer[]);
--> statement-breakpoint
CREATE UNIQUE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email");
--> statement-breakpoint
CREATE UNIQUE INDEX CONCURRENTLY "users_handle_idx" ON "users" ("handle");
--> statement-breakpoint
CREATE TABLE "events" ("id" bigint, "at" timestamptz) PARTITION BY RANGE ("at");
--> statement-breakpoint
CREATE TABLE "events_2024" ("id" bigint, "at" timestamptz);
--> statement-breakpoint
CREATE MATERIALIZED VIEW "stats" AS SELECT count(*) FROM "users";`,
];
const ctx = (options: ReviewOptions = {}): ReviewOptions => ({ context: CONTEXT, ...options });

async function classOf(sql: string) {
  const parser = await getParser();
  const all = classifyStatements(parser.parseAll(sql));
  return all[all.length - 1]!;
}

describe('option values are read', () => {
  it('VACUUM (FULL false) is a plain VACUUM; VACUUM FULL / (FULL true) / (FULL 1) rewrite', async () => {
    expect((await classOf('VACUUM (FULL false) users')).class).toBe('safe');
    expect((await classOf('VACUUM (FULL off, ANALYZE) users')).class).toBe('safe');
    expect((await classOf('VACUUM (FULL 0) users')).class).toBe('safe');
    for (const sql of ['VACUUM FULL users', 'VACUUM (FULL) users', 'VACUUM (FULL true) users', 'VACUUM (FULL 1) users']) {
      const c = await classOf(sql);
      expect(c.lock.level, sql).toBe('ACCESS EXCLUSIVE');
      expect(c.class, sql).toBe('locking');
    }
    expect(firedRules(await review('VACUUM (FULL false) "users";', ctx())).size).toBe(0);
    expect(findingsOf(await review('VACUUM (FULL true) "users";', ctx()), 'blocking-table-rewrite')).toHaveLength(1);
  });

  it('REINDEX (CONCURRENTLY false) INDEX i blocks; (CONCURRENTLY) does not', async () => {
    const off = await classOf('REINDEX (CONCURRENTLY false) INDEX users_email_idx');
    expect(off.class).toBe('locking');
    expect(off.transactional).toBe(true);
    const on = await classOf('REINDEX (CONCURRENTLY) INDEX users_email_idx');
    expect(on.class).toBe('safe');
    expect(on.transactional).toBe(false);
    const report = await review('REINDEX (CONCURRENTLY false) INDEX "users_email_idx";', ctx());
    expect(findingsOf(report, 'blocking-table-rewrite')[0]?.severity).toBe('error');
  });

  it('REINDEX SCHEMA / DATABASE and a bare CLUSTER block every table they cover', async () => {
    for (const sql of ['REINDEX SCHEMA public', 'REINDEX DATABASE app', 'CLUSTER', 'VACUUM FULL']) {
      const c = await classOf(sql);
      expect(c.class, sql).toBe('locking');
      expect(c.lock.blocks, sql).toBe('reads-and-writes');
      const report = await review(`${sql};`, ctx());
      expect(report.summary.errors, sql).toBeGreaterThan(0);
    }
    expect((await classOf('REINDEX SCHEMA CONCURRENTLY public')).class).toBe('safe');
  });

  it('REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads; with it, nothing', async () => {
    expect(findingsOf(await review('REFRESH MATERIALIZED VIEW "stats";', ctx()), 'blocking-table-rewrite')).toHaveLength(1);
    const concurrent = await review('REFRESH MATERIALIZED VIEW CONCURRENTLY "stats";', ctx());
    expect(concurrent.summary.errors).toBe(0);
  });
});

describe('classified blocking, now with a finding', () => {
  it('ADD CONSTRAINT ... EXCLUDE', async () => {
    const report = await review('ALTER TABLE "users" ADD CONSTRAINT "no_dupe" EXCLUDE USING btree ("email" WITH =);', ctx());
    expect(findingsOf(report, 'adding-exclusion-constraint')).toMatchObject([{ severity: 'error' }]);
  });

  it('ADD COLUMN ... CHECK (...) inline (eugene E1)', async () => {
    const report = await review('ALTER TABLE "users" ADD COLUMN "age" integer CHECK ("age" > 0);', ctx());
    expect(findingsOf(report, 'constraint-missing-not-valid')).toMatchObject([{ severity: 'error' }]);
  });

  it('ATTACH PARTITION and DETACH PARTITION without CONCURRENTLY', async () => {
    const attach = await review(
      `ALTER TABLE "events" ATTACH PARTITION "events_2024" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');`,
      ctx(),
    );
    expect(findingsOf(attach, 'attach-partition-without-check')).toMatchObject([{ severity: 'error' }]);
    const detach = await review('ALTER TABLE "events" DETACH PARTITION "events_2024";', ctx());
    expect(findingsOf(detach, 'require-concurrent-partition-detach')).toHaveLength(1);
    expect(
      firedRules(await review('ALTER TABLE "events" DETACH PARTITION "events_2024" CONCURRENTLY;', ctx())).has(
        'require-concurrent-partition-detach',
      ),
    ).toBe(false);
  });

  it('DROP TYPE ... CASCADE is destructive and reported', async () => {
    const report = await review(`DROP TYPE "public"."mood" CASCADE;`, { context: [`CREATE TYPE "public"."mood" AS ENUM('a');`] });
    expect(findingsOf(report, 'unreviewed-destruction')).toMatchObject([{ severity: 'error' }]);
    expect(report.migrations[0]!.statements[0]!.findings[0]!.message).toContain('DROP TYPE');
  });

  it('ADD PRIMARY KEY USING INDEX on a nullable column scans under ACCESS EXCLUSIVE (eugene W14)', async () => {
    const nullable = await review('ALTER TABLE "users" ADD CONSTRAINT "users_pk2" PRIMARY KEY USING INDEX "users_email_idx";', ctx());
    expect(nullable.migrations[0]!.statements[0]!.class).toBe('locking');
    expect(findingsOf(nullable, 'adding-not-nullable-field')).toMatchObject([{ severity: 'error' }]);
    const notNull = await review('ALTER TABLE "users" ADD CONSTRAINT "users_pk2" PRIMARY KEY USING INDEX "users_handle_idx";', ctx());
    expect(notNull.migrations[0]!.statements[0]!.class).toBe('safe');
    expect(notNull.summary.errors).toBe(0);
  });

  it('a second UNIQUE USING INDEX after the index was consumed can never apply', async () => {
    const report = await review(
      'ALTER TABLE "users" ADD CONSTRAINT "users_email_key" UNIQUE USING INDEX "users_email_idx";--> statement-breakpoint\nALTER TABLE "users" ADD CONSTRAINT "users_email_key2" UNIQUE USING INDEX "users_email_idx";',
      ctx(),
    );
    expect(findingsOf(report, 'reused-constraint-index')).toHaveLength(1);
    expect(report.migrations[0]!.statements[1]!.findings.map((f) => f.rule)).toContain('reused-constraint-index');
  });

  it("ADD CONSTRAINT ... PRIMARY KEY on an existing table is squawk's adding-serial-primary-key-field", async () => {
    const report = await review('ALTER TABLE "events_2024" ADD CONSTRAINT "events_2024_pk" PRIMARY KEY ("id");', ctx());
    expect([...firedRules(report)].filter((r) => r !== 'lock-held-during-slow-statement')).toEqual(['adding-serial-primary-key-field']);
  });
});

describe('false alarms fixed', () => {
  it('timestamp/time/interval precision increases need no rewrite', async () => {
    for (const sql of [
      'ALTER TABLE "users" ALTER COLUMN "created_at" SET DATA TYPE timestamp(6);',
      'ALTER TABLE "users" ALTER COLUMN "created_at" SET DATA TYPE timestamp;',
      'ALTER TABLE "users" ALTER COLUMN "starts" SET DATA TYPE time(3);',
      'ALTER TABLE "users" ALTER COLUMN "span" SET DATA TYPE interval(6);',
    ]) {
      expect(findingsOf(await review(sql, ctx()), 'changing-column-type'), sql).toEqual([]);
    }
    for (const sql of [
      'ALTER TABLE "users" ALTER COLUMN "created_at" SET DATA TYPE timestamp(0);',
      'ALTER TABLE "users" ALTER COLUMN "created_at" SET DATA TYPE timestamptz(6);',
      'ALTER TABLE "users" ALTER COLUMN "span" SET DATA TYPE interval day;',
    ]) {
      expect(findingsOf(await review(sql, ctx()), 'changing-column-type'), sql).toHaveLength(1);
    }
  });

  it('int[] element types count for prefer-bigint-over-int', async () => {
    expect(findingsOf(await review('CREATE TABLE "t" ("member_ids" integer[]);'), 'prefer-bigint-over-int')).toHaveLength(1);
  });

  it('rename-as-drop-and-add: not on incompatible types, a warning on the add, never repeating ban-drop-column', async () => {
    const chat = await review([
      'CREATE TABLE "Chat" ("id" uuid PRIMARY KEY, "messages" json NOT NULL);',
      'ALTER TABLE "Chat" ADD COLUMN "title" text NOT NULL;--> statement-breakpoint\nALTER TABLE "Chat" DROP COLUMN "messages";',
    ]);
    expect(findingsOf(chat, 'rename-as-drop-and-add')).toEqual([]);
    const rename = await review(
      'ALTER TABLE "users" ADD COLUMN "mail" text;--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN "email";',
      ctx(),
    );
    const [finding] = findingsOf(rename, 'rename-as-drop-and-add');
    expect(finding).toMatchObject({ severity: 'warning', line: 1 });
    expect(finding!.fix).toContain('--rename users.email=users.mail');
    for (const statement of rename.migrations[0]!.statements) {
      const rules = statement.findings.map((f) => f.rule);
      expect(new Set(rules).size).toBe(rules.length);
      expect(rules.includes('ban-drop-column') && rules.includes('rename-as-drop-and-add')).toBe(false);
    }
  });

  it('prefer-bigint-over-int: an MTU, a port, an ordering column are not reported', async () => {
    const report = await review(
      'CREATE TABLE "links" ("id" bigint PRIMARY KEY, "mtu" integer, "port" integer NOT NULL, "sort_order" integer DEFAULT 0);',
    );
    expect(findingsOf(report, 'prefer-bigint-over-int')).toEqual([]);
  });
});
