/**
 * drizzle-kit users get CREATE INDEX CONCURRENTLY through its one transaction with a COMMIT before
 * it (and often a BEGIN after it), each in its own chunk (drizzle-orm issue 860). The analysis marks
 * exactly those as boundaries dbctl draws itself (`redundantControl`, not run); any other
 * transaction control stays as written, and migrate refuses it.
 */
import { describe, expect, it } from 'vitest';
import { MigrationAnalyzer } from '../../../src/core/analyze.js';
import { planSegments } from '../../../src/core/segments.js';
import { loadSqlParser } from '../../../src/sql/parser.js';

const BREAK = '\n--> statement-breakpoint\n';

async function analyse(...chunks: string[]) {
  const analysis = new MigrationAnalyzer(await loadSqlParser()).analyze(chunks.join(BREAK));
  return analysis;
}

const redundant = (analysis: Awaited<ReturnType<typeof analyse>>) => analysis.chunks.map((c) => Boolean(c.redundantControl));

describe('transaction control written to leave drizzle-kit transaction', () => {
  it('COMMIT before and BEGIN after CREATE INDEX CONCURRENTLY are not run; the segments are as without them', async () => {
    const analysis = await analyse(
      'ALTER TABLE "t" ADD COLUMN "w" text;',
      'COMMIT;',
      'CREATE INDEX CONCURRENTLY "a" ON "t" ("v");',
      'CREATE INDEX CONCURRENTLY "b" ON "t" ("w");',
      'BEGIN;',
      'ALTER TABLE "t" ADD COLUMN "x" text;',
    );
    expect(redundant(analysis)).toEqual([false, true, false, false, true, false]);
    // the classification says so too: review reads it
    expect(analysis.classifications.map((c) => c.redundantControl ?? false)).toEqual([false, true, false, false, true, false]);
    expect(planSegments(analysis.chunks)).toEqual([
      { transactional: true, statements: [0] },
      { transactional: false, statements: [2] },
      { transactional: false, statements: [3] },
      { transactional: true, statements: [5] },
    ]);
  });

  it('END and START TRANSACTION count as COMMIT and BEGIN; a COMMIT first in the file too', async () => {
    const analysis = await analyse('END;', 'DROP INDEX CONCURRENTLY "a";', 'START TRANSACTION;', 'SELECT 1;');
    expect(redundant(analysis)).toEqual([true, false, true, false]);
  });

  it('any other transaction control stays: before a statement that runs in a transaction, with options, sharing a chunk, ROLLBACK', async () => {
    const cases: string[][] = [
      ['ALTER TABLE "t" ADD COLUMN "w" text;', 'COMMIT;', 'ALTER TABLE "t" ADD COLUMN "x" text;'],
      ['COMMIT AND CHAIN;', 'CREATE INDEX CONCURRENTLY "a" ON "t" ("v");'],
      ['ROLLBACK;', 'CREATE INDEX CONCURRENTLY "a" ON "t" ("v");'],
      ['COMMIT;\nCREATE INDEX CONCURRENTLY "a" ON "t" ("v");'],
      ['CREATE INDEX CONCURRENTLY "a" ON "t" ("v");', 'BEGIN ISOLATION LEVEL SERIALIZABLE;', 'SELECT 1;'],
      ['BEGIN;', 'ALTER TABLE "t" ADD COLUMN "w" text;', 'COMMIT;'],
      ['COMMIT;', 'BEGIN;', 'CREATE INDEX CONCURRENTLY "a" ON "t" ("v");'],
    ];
    for (const chunks of cases) {
      const analysis = await analyse(...chunks);
      expect(redundant(analysis), chunks.join(' | ')).toEqual(chunks.map(() => false));
    }
  });
});
