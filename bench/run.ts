/**
 * dbctl's benchmark: every measure run side by side with drizzle-kit on the same machine and the
 * same PostgreSQL server, in one run, reported as ratios (dbctl / drizzle-kit) against the targets
 * of issue 2. `npx tsx bench/run.ts` (add `--quick` for a smoke run with few samples). Needs a built
 * dbctl (`npm run build`). Prints the table and writes it into bench/README.md.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { drizzleKitVersion, ensureCorpus, growthSteps, loadSteps } from './lib/corpus.js';
import { load, type LoadResult } from './lib/load.js';
import { applyAll, coldStart, nothingPending, type Paired, type ToolSamples } from './lib/measures.js';
import { repoRoot } from './lib/paths.js';
import { environment, renderResults, renderTable, writeReadme, type Row } from './lib/report.js';
import { startServer } from './lib/server.js';
import { formatKb, formatMs, formatRatio, median } from './lib/stats.js';

const quick = process.argv.includes('--quick');
const RUNS = quick ? { coldStart: 3, nothingPending: 3, applyAll: 2 } : { coldStart: 20, nothingPending: 12, applyAll: 7 };
const MIGRATIONS = 200;
const LOCK_TIMEOUT_MS = 500;
const LOAD = { clients: 16, intervalMs: 20, holdMs: 3000, args: { dbctl: ['--lock-timeout', `${LOCK_TIMEOUT_MS}ms`], 'drizzle-kit': [] } };
const MEMORY_LIMIT_MB = 150;

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const peak = (values: number[]) => (values.length ? Math.max(...values) : Number.NaN);

/** A row comparing one statistic of both CLIs against a ratio target (smaller is better). */
function ratioRow(measure: string, paired: Paired, maxRatio: number): Row {
  const d = median(paired.dbctl.ms);
  const k = median(paired.drizzleKit.ms);
  return {
    measure,
    dbctl: paired.dbctl.error ? 'error' : formatMs(d),
    drizzleKit: paired.drizzleKit.error ? 'error' : formatMs(k),
    ratio: formatRatio(d, k),
    target: `<= ${maxRatio}x`,
    pass: paired.dbctl.error || paired.drizzleKit.error ? null : d / k <= maxRatio,
    ...(paired.dbctl.error ? { error: true } : {}),
  };
}

/** Lowest, median, highest of some samples, e.g. `80 / 84 / 97 ms`. */
function spread(values: number[], format = formatMs): string {
  return values.length ? `${format(Math.min(...values))} / ${format(median(values))} / ${format(Math.max(...values))}` : 'none';
}

/** `dbctl A, drizzle-kit B (ratio)` of one statistic, for the notes. */
function compare(paired: Paired, pick: (s: ToolSamples) => number[], stat: (v: number[]) => number, format = formatMs): string {
  const d = stat(pick(paired.dbctl));
  const k = stat(pick(paired.drizzleKit));
  return `dbctl ${format(d)}, drizzle-kit ${format(k)} (${formatRatio(d, k)})`;
}

/** Warns when dist/ is older than src/: the benchmark measures what was built. */
function checkBuild(): string | null {
  const cli = path.join(repoRoot, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs)));
  return newest(path.join(repoRoot, 'src')) > statSync(cli).mtimeMs ? 'dist/ is older than src/: these numbers are for the last build, not the current sources' : null;
}

/** The three rows of the under-load measure. */
function loadRows(results: Record<'dbctl' | 'drizzle-kit', LoadResult>): Row[] {
  const d = results.dbctl;
  const k = results['drizzle-kit'];
  const limit = LOCK_TIMEOUT_MS + 100;
  return (['p50', 'p99', 'max'] as const).map((stat) => ({
    measure: `4. under load: app query ${stat} during the migration`,
    dbctl: d.error && !d.latencies.length ? 'error' : formatMs(d[stat]),
    drizzleKit: k.error && !k.latencies.length ? 'error' : formatMs(k[stat]),
    ratio: formatRatio(d[stat], k[stat]),
    target: stat === 'p99' ? `dbctl < ${limit} ms (lock_timeout ${LOCK_TIMEOUT_MS} ms + 100 ms)` : '',
    pass: stat === 'p99' && !d.error ? d.p99 < limit : null,
    ...(stat === 'p99' && d.error ? { error: true } : {}),
  }));
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadAverage = os.loadavg()[0]!.toFixed(2);
  const stale = checkBuild();
  if (stale) log(`WARNING: ${stale}`);
  log(`generating or loading the ${MIGRATIONS}-migration corpus (cached in bench/.work/)`);
  const corpus = await ensureCorpus(`growth${MIGRATIONS}`, growthSteps(MIGRATIONS));
  const loadCorpus = await ensureCorpus('load', loadSteps());
  log('starting an embedded PostgreSQL');
  const server = await startServer();
  const interrupted = () => void server.stop().finally(() => process.exit(130));
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    log(`1/4 cold start, ${RUNS.coldStart} runs each`);
    const cold = await coldStart(RUNS.coldStart);
    log(`2/4 migrate with nothing pending (${MIGRATIONS} applied), ${RUNS.nothingPending} runs each`);
    const noop = await nothingPending(server, corpus, RUNS.nothingPending);
    log(`3/4 migrate ${MIGRATIONS} migrations on a fresh database, ${RUNS.applyAll} runs each (with peak RSS)`);
    const apply = await applyAll(server, corpus, RUNS.applyAll);
    log(`4/4 under load: ${LOAD.clients} clients, a query due every ${LOAD.intervalMs} ms on each, lock held until ${LOAD.holdMs} ms after the ALTER starts waiting`);
    const loadResults = {
      'drizzle-kit': await load(server, loadCorpus, 'drizzle-kit', LOAD),
      dbctl: await load(server, loadCorpus, 'dbctl', LOAD),
    };

    const rssD = peak(apply.dbctl.rssKb);
    const rssK = peak(apply.drizzleKit.rssKb);
    const rows: Row[] = [
      ratioRow('1. cold start: `--version`', cold, 0.5),
      ratioRow(`2. \`migrate\`, nothing pending (${MIGRATIONS} applied)`, noop, 0.5),
      ratioRow(`3. \`migrate\` ${MIGRATIONS} migrations, empty database`, apply, 1.5),
      ...loadRows(loadResults),
      {
        measure: `5. peak memory (max RSS) of \`migrate\` ${MIGRATIONS} migrations`,
        dbctl: apply.dbctl.error ? 'error' : formatKb(rssD),
        drizzleKit: apply.drizzleKit.error ? 'error' : formatKb(rssK),
        ratio: formatRatio(rssD, rssK),
        target: `dbctl < ${MEMORY_LIMIT_MB} MB`,
        pass: apply.dbctl.error || !Number.isFinite(rssD) ? null : rssD / 1024 < MEMORY_LIMIT_MB,
        ...(apply.dbctl.error ? { error: true } : {}),
      },
    ];

    const measures: [string, Paired][] = [['1', cold], ['2', noop], ['3', apply]];
    const notes = [
      `Times are medians of ${RUNS.coldStart} (1), ${RUNS.nothingPending} (2) and ${RUNS.applyAll} (3) runs per CLI, alternating dbctl and drizzle-kit; peak memory is the highest of the runs of 3.`,
      `Node itself (\`node -e 0\`, timed in the same rounds as 1) starts in ${formatMs(median(cold.node))}: the floor under every time here.`,
      `Wall time spread (min / median / max): ${measures.map(([n, p]) => `${n}. dbctl ${spread(p.dbctl.ms)}, drizzle-kit ${spread(p.drizzleKit.ms)}`).join('; ')}.`,
      `Fastest run of each (least disturbed by other work on the machine): ${measures.map(([n, p]) => `${n}. ${compare(p, (s) => s.ms, (v) => (v.length ? Math.min(...v) : Number.NaN))}`).join('; ')}.`,
      ...(cold.dbctl.cpuMs.length
        ? [`CPU time (user + system, median; 10 ms resolution): ${measures.map(([n, p]) => `${n}. ${compare(p, (s) => s.cpuMs, median)}`).join('; ')}.`]
        : []),
      `Peak RSS of the runs of 3 (min / median / max): dbctl ${spread(apply.dbctl.rssKb, formatKb)}, drizzle-kit ${spread(apply.drizzleKit.rssKb, formatKb)}.`,
      ...(['drizzle-kit', 'dbctl'] as const).map((tool) => {
        const r = loadResults[tool];
        const flags = LOAD.args[tool].length ? ` \`${LOAD.args[tool].join(' ')}\`` : '';
        return `4. ${tool}${flags}: migrate took ${formatMs(r.migrateMs)} (exit ${r.migrateCode}); ${r.latencies.length} app queries were due during it (${LOAD.clients} connections, one due every ${LOAD.intervalMs} ms each; latency counted from when due).`;
      }),
      ...[
        ...measures.flatMap(([n, p]) => [[n, p.dbctl.error], [`${n} (drizzle-kit)`, p.drizzleKit.error]]),
        ['4', loadResults.dbctl.error],
        ['4 (drizzle-kit)', loadResults['drizzle-kit'].error],
      ]
        .filter(([, error]) => error)
        .map(([n, error]) => `Error in ${n}: \`${String(error).split('\n').join(' ').slice(0, 400)}\``),
      ...(stale ? [`Warning: ${stale}.`] : []),
      ...(quick ? ['`--quick` run: few samples, not for comparison.'] : []),
    ];
    const env = await environment(server.version, drizzleKitVersion(), loadAverage);
    process.stdout.write(`\n${renderTable(rows)}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n\n`);
    const file = await writeReadme(renderResults(env, rows, notes));
    log(`wrote ${path.relative(repoRoot, file)} in ${formatMs(performance.now() - started)} total`);
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
