/**
 * Issue 9's cost measures: review time of one 20,000-statement migration (linear cost: target
 * under 5 s) and peak memory of a 50 MB data migration (INSERTs) reviewed, planned (`migrate
 * --dry-run`) and applied (`migrate`): target under 300 MB each. Runs the built CLI in a temporary
 * project, like the other measures.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DRIZZLE_CONFIG } from './corpus.js';
import { dbctlBin, repoRoot } from './paths.js';
import { timedNode, type TimedResult } from './proc.js';
import type { BenchServer } from './server.js';

/** What the scale measures found. */
export interface ScaleResults {
  statements: number;
  /** Wall ms of `dbctl review --all` on the 20,000-statement migration, one per run. */
  reviewMs: number[];
  reviewCpuMs: (number | null)[];
  dataMb: number;
  /** Peak RSS (KB) of each command on the 50 MB migration; null when not measured. */
  peakRssKb: { review: number | null; dryRun: number | null; migrate: number | null };
  /** Wall ms of the same runs. */
  dataMs: { review: number | null; dryRun: number | null; migrate: number | null };
}

/** A migration of `n` statements as drizzle-kit writes them (breakpoints), over tables it creates and existing ones. */
export function manyStatements(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    switch (i % 6) {
      case 0:
        out.push(`CREATE TABLE "t${i}" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"name" text NOT NULL,\n\t"parent_id" bigint\n);`);
        break;
      case 1:
        out.push(`ALTER TABLE "users" ADD COLUMN "c${i}" text;`);
        break;
      case 2:
        out.push(`CREATE INDEX "t${i - 2}_name_idx" ON "t${i - 2}" USING btree ("name");`);
        break;
      case 3:
        out.push(
          `ALTER TABLE "t${i - 3}" ADD CONSTRAINT "t${i - 3}_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;`,
        );
        break;
      case 4:
        out.push(`ALTER TABLE "users" ALTER COLUMN "c${i - 3}" SET DATA TYPE varchar(200);`);
        break;
      default:
        out.push(`INSERT INTO "t${i - 5}" ("id", "name") VALUES (${i}, 'row ${i}');`);
    }
  }
  return `${out.join('\n--> statement-breakpoint\n')}\n`;
}

/** A data migration of about `bytes` bytes: multi-row INSERTs with breakpoints between them. */
export function dataMigration(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes;) {
    const rows: string[] = [];
    for (let r = 0; r < 20; r++, i++)
      rows.push(`(${i}, 'product number ${i}', 'a description of product ${i}, long enough to look real', ${i % 997})`);
    const s = `INSERT INTO "items" ("id", "name", "description", "stock") VALUES ${rows.join(',\n')};`;
    parts.push(s);
    size += s.length + 27;
  }
  return `${parts.join('\n--> statement-breakpoint\n')}\n`;
}

async function project(label: string, migrations: { tag: string; sql: string }[]): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = path.join(repoRoot, '.tmp', `bench-${label}-${randomUUID().slice(0, 8)}`);
  await mkdir(path.join(dir, 'drizzle', 'meta'), { recursive: true });
  await writeFile(path.join(dir, 'drizzle.config.ts'), DRIZZLE_CONFIG);
  await writeFile(
    path.join(dir, 'schema.ts'),
    `import { pgTable, bigint } from 'drizzle-orm/pg-core';\nexport const users = pgTable('users', { id: bigint('id', { mode: 'number' }).primaryKey() });\n`,
  );
  await writeFile(
    path.join(dir, 'dbctl.config.json'),
    JSON.stringify({ environments: { development: { url: 'env:DATABASE_URL' } } }, null, 2),
  );
  const when = Date.now() - 1_000_000;
  const entries = migrations.map((m, idx) => ({ idx, version: '7', when: when + idx * 1000, tag: m.tag, breakpoints: true }));
  await writeFile(
    path.join(dir, 'drizzle', 'meta', '_journal.json'),
    JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2),
  );
  for (const m of migrations) await writeFile(path.join(dir, 'drizzle', `${m.tag}.sql`), m.sql);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

const BASE =
  'CREATE TABLE "users" (\n\t"id" bigint PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE "items" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"name" text,\n\t"description" text,\n\t"stock" integer\n);\n';

function checked(what: string, result: TimedResult, codes: number[] = [0]): TimedResult {
  if (!codes.includes(result.code)) throw new Error(`${what} exited ${result.code}: ${(result.stderr || result.stdout).slice(0, 600)}`);
  return result;
}

/** Runs the measures; `server` (optional) lets `migrate` really apply the 50 MB migration. */
export async function scaleMeasures(options: {
  runs: number;
  statements: number;
  dataMb: number;
  server?: BenchServer;
  log: (line: string) => void;
}): Promise<ScaleResults> {
  const { runs, statements, dataMb, server, log } = options;
  const results: ScaleResults = {
    statements,
    reviewMs: [],
    reviewCpuMs: [],
    dataMb,
    peakRssKb: { review: null, dryRun: null, migrate: null },
    dataMs: { review: null, dryRun: null, migrate: null },
  };

  const big = await project('scale-review', [
    { tag: '0000_base', sql: BASE },
    { tag: '0001_many', sql: manyStatements(statements) },
  ]);
  try {
    log(`review of one ${statements.toLocaleString('en-US')}-statement migration (${runs} runs)`);
    for (let run = 0; run < runs; run++) {
      const result = checked(
        'dbctl review 0001_many',
        await timedNode(dbctlBin, ['review', '0001_many'], { cwd: big.dir, measureMemory: true, timeoutMs: 600_000 }),
        [0, 1],
      );
      results.reviewMs.push(result.ms);
      results.reviewCpuMs.push(result.cpuMs);
    }
  } finally {
    await big.cleanup();
  }

  const data = await project('scale-data', [
    { tag: '0000_base', sql: BASE },
    { tag: '0001_data', sql: dataMigration(dataMb * 2 ** 20) },
  ]);
  try {
    log(`${dataMb} MB data migration: review`);
    const review = checked(
      'dbctl review 0001_data',
      await timedNode(dbctlBin, ['review', '0001_data'], { cwd: data.dir, measureMemory: true, timeoutMs: 1_800_000 }),
      [0, 1],
    );
    results.peakRssKb.review = review.peakRssKb;
    results.dataMs.review = review.ms;
    if (server) {
      const url = await server.createDatabase('dbctl_bench_scale');
      try {
        const env = { DATABASE_URL: url };
        checked(
          'dbctl migrate --to 0000_base',
          await timedNode(dbctlBin, ['migrate', '--to', '0000_base'], { cwd: data.dir, env, timeoutMs: 600_000 }),
        );
        log(`${dataMb} MB data migration: migrate --dry-run`);
        const dry = checked(
          'dbctl migrate --dry-run',
          await timedNode(dbctlBin, ['migrate', '--dry-run'], { cwd: data.dir, env, measureMemory: true, timeoutMs: 1_800_000 }),
        );
        results.peakRssKb.dryRun = dry.peakRssKb;
        results.dataMs.dryRun = dry.ms;
        log(`${dataMb} MB data migration: migrate`);
        const applied = checked(
          'dbctl migrate',
          await timedNode(dbctlBin, ['migrate'], { cwd: data.dir, env, measureMemory: true, timeoutMs: 1_800_000 }),
        );
        results.peakRssKb.migrate = applied.peakRssKb;
        results.dataMs.migrate = applied.ms;
      } finally {
        await server.dropDatabase('dbctl_bench_scale');
      }
    }
  } finally {
    await data.cleanup();
  }
  return results;
}
