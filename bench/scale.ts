/**
 * Issue 9's cost measures on their own (`npx tsx bench/scale.ts [--quick] [--no-db]`; needs a built
 * dbctl): `dbctl review` of one 20,000-statement migration (target: under 5 s, linear cost), and
 * the peak memory of a 50 MB data migration reviewed, planned (`migrate --dry-run`) and applied
 * (`migrate`, on the embedded PostgreSQL server): target under 300 MB each. Prints a table; writes
 * nothing.
 */
import { scaleMeasures } from './lib/scale.js';
import { startServer, type BenchServer } from './lib/server.js';
import { formatKb, formatMs, median } from './lib/stats.js';

const quick = process.argv.includes('--quick');
const noDb = process.argv.includes('--no-db');
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const TARGET = { reviewMs: 5000, peakMb: 300 };

let server: BenchServer | undefined;
try {
  if (!noDb) {
    log('starting PostgreSQL');
    server = await startServer();
  }
  const r = await scaleMeasures({ runs: quick ? 1 : 3, statements: quick ? 5000 : 20_000, dataMb: quick ? 10 : 50, server, log });
  const reviewMs = median(r.reviewMs);
  const cpu = r.reviewCpuMs.filter((v): v is number => v !== null);
  const rows: [string, string, string, string][] = [
    [
      `review of one ${r.statements.toLocaleString('en-US')}-statement migration (median of ${r.reviewMs.length})`,
      `${formatMs(reviewMs)}${cpu.length ? ` (cpu ${formatMs(median(cpu))})` : ''}`,
      `< ${formatMs(TARGET.reviewMs)}`,
      reviewMs < TARGET.reviewMs ? 'pass' : 'FAIL',
    ],
  ];
  for (const [key, label] of [
    ['review', 'review'],
    ['dryRun', 'migrate --dry-run'],
    ['migrate', 'migrate (applies it)'],
  ] as const) {
    const kb = r.peakRssKb[key];
    const ms = r.dataMs[key];
    if (kb === null && ms === null) continue;
    rows.push([
      `${label} of a ${r.dataMb} MB data migration: peak RSS`,
      `${kb === null ? '?' : formatKb(kb)} in ${ms === null ? '?' : formatMs(ms)}`,
      `< ${TARGET.peakMb} MB`,
      kb === null ? '?' : kb / 1024 < TARGET.peakMb ? 'pass' : 'FAIL',
    ]);
  }
  const out = ['| measure | dbctl | target | |', '| --- | --- | --- | --- |', ...rows.map((row) => `| ${row.join(' | ')} |`)];
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  await server?.stop();
}
