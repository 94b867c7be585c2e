/**
 * 200 typical drizzle-generated migrations review fast: the WASM parser is loaded once and each
 * file is parsed in one call (no per-statement parser or module work).
 */
import { describe, expect, it, vi } from 'vitest';
import { loadSqlParser } from '../../../src/sql/parser.js';
import { reviewMigrations } from '../../../src/review/engine.js';
import { splitMigration } from '../../../src/sql/migration.js';
import type * as ModuleAdapter from '../../../src/sql/libpg-query-module.js';

// the real WASM module, its loads and parse calls counted
const counted = vi.hoisted(() => ({ loads: 0, parses: 0 }));
vi.mock('../../../src/sql/libpg-query-module.js', async (importOriginal) => {
  const real = await importOriginal<typeof ModuleAdapter>();
  return {
    ...real,
    loadParserModule: async () => {
      counted.loads += 1;
      const module = await real.loadParserModule();
      return {
        ...module,
        parse: (sql: string) => {
          counted.parses += 1;
          return module.parse(sql);
        },
      };
    },
  };
});

/** A migration like drizzle-kit generate writes, varied by `i`. */
function drizzleMigration(i: number): string {
  const t = `table_${i}`;
  const prev = `table_${Math.max(0, i - 1)}`;
  const statements = [
    `CREATE TABLE "${t}" (\n\t"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "${t}_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),\n\t"name" text NOT NULL,\n\t"status" varchar(32) DEFAULT 'new' NOT NULL,\n\t"parent_id" bigint,\n\t"created_at" timestamp DEFAULT now() NOT NULL\n);`,
    `CREATE INDEX "${t}_name_idx" ON "${t}" USING btree ("name");`,
  ];
  if (i > 0) {
    statements.push(
      `ALTER TABLE "${prev}" ADD COLUMN "note_${i}" text;`,
      `ALTER TABLE "${t}" ADD CONSTRAINT "${t}_parent_id_${prev}_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."${prev}"("id") ON DELETE no action ON UPDATE no action;`,
    );
  }
  if (i % 10 === 0) statements.push(`CREATE TYPE "public"."kind_${i}" AS ENUM('a', 'b', 'c');`);
  if (i % 25 === 5)
    statements.push(
      `ALTER TABLE "${prev}" ALTER COLUMN "status" SET DATA TYPE text;`,
      `CREATE INDEX "${prev}_status_idx" ON "${prev}" USING btree ("status");`,
    );
  return `${statements.join('--> statement-breakpoint\n')}\n`;
}

describe('200 drizzle migrations', () => {
  it('review with one parser load and one parse per file', async () => {
    const migrations = Array.from({ length: 200 }, (_, i) => ({
      tag: `${String(i).padStart(4, '0')}_gen`,
      file: `drizzle/${String(i).padStart(4, '0')}_gen.sql`,
      sql: drizzleMigration(i),
    }));
    const chunksOf = (list: { sql: string }[]) =>
      list.reduce((n, m) => n + splitMigration(m.sql).filter((c) => c.text.trim() !== '').length, 0);
    const chunks = chunksOf(migrations);
    const started = performance.now();
    const parser = await loadSqlParser();
    const report = reviewMigrations({ migrations }, parser);
    const again = reviewMigrations({ migrations: migrations.slice(0, 10) }, await loadSqlParser());
    const elapsed = performance.now() - started;
    expect(counted.loads).toBe(1);
    // One call per file: the breakpoints are SQL comments, so a file parses whole.
    expect(counted.parses).toBe(200 + 10);
    expect(report.migrations).toHaveLength(200);
    expect(again.migrations).toHaveLength(10);
    // The varchar → text changes are exempt: the column type is known from the earlier migration.
    expect(
      report.migrations.flatMap((m) => m.statements.flatMap((s) => s.findings)).filter((f) => f.rule === 'changing-column-type'),
    ).toEqual([]);
    expect(report.summary.errors).toBeGreaterThan(0); // non-concurrent indexes on existing tables
    console.info(`reviewed 200 migrations (${chunks} chunks) in ${elapsed.toFixed(0)} ms`);
    expect(elapsed).toBeLessThan(20_000);
  });
});
