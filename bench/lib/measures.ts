/**
 * Measures 1, 2, 3 and 5: cold start, `migrate` with nothing pending, applying every migration to
 * an empty database, and the peak memory of those runs. Each alternates the two CLIs run by run
 * (which goes first flips every round) so that drift on a shared machine hits both alike.
 */
import postgres from 'postgres';
import type { Corpus } from './corpus.js';
import { dbctlBin, drizzleKitBin, repoRoot } from './paths.js';
import { timedNode, type TimedResult } from './proc.js';
import { createProject, type Tool } from './project.js';
import type { BenchServer } from './server.js';

/** One CLI's runs of a measure; `error` is set (and sampling stopped) when a run failed. */
export interface ToolSamples {
  /** Wall-clock milliseconds per run. */
  ms: number[];
  /** User + system CPU milliseconds per run (when /usr/bin/time exists). */
  cpuMs: number[];
  /** Peak RSS in KB per run (when measurable). */
  rssKb: number[];
  error?: string;
}

/** Both sides' runs of one measure: dbctl and what it is compared with (drizzle-kit, squawk, pg_dump, ...). */
export interface Paired {
  dbctl: ToolSamples;
  baseline: ToolSamples;
}

/** The two sides of a comparison. */
export type Side = 'dbctl' | 'baseline';

const TOOLS: Tool[] = ['dbctl', 'drizzle-kit'];
const SIDES: Side[] = ['dbctl', 'baseline'];

/** Empty samples. */
export function noSamples(): ToolSamples {
  return { ms: [], cpuMs: [], rssKb: [] };
}

/** Records one run's wall time, CPU time and peak RSS. */
export function record(samples: ToolSamples, result: TimedResult): void {
  samples.ms.push(result.ms);
  if (result.cpuMs !== null) samples.cpuMs.push(result.cpuMs);
  if (result.peakRssKb !== null) samples.rssKb.push(result.peakRssKb);
}

/**
 * Runs `round(side)` `runs` times per side, alternating (which goes first flips every round); a
 * side that fails once is dropped with its error.
 */
export async function alternateSides(runs: number, round: (side: Side, run: number) => Promise<TimedResult>): Promise<Paired> {
  const out: Paired = { dbctl: noSamples(), baseline: noSamples() };
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? SIDES : [...SIDES].reverse();
    for (const side of order) {
      const samples = out[side];
      if (samples.error) continue;
      try {
        record(samples, await round(side, run));
      } catch (error) {
        samples.error = error instanceof Error ? error.message : String(error);
      }
    }
  }
  return out;
}

/** `alternateSides` with drizzle-kit as the baseline. */
async function alternate(runs: number, round: (tool: Tool, run: number) => Promise<TimedResult>): Promise<Paired> {
  return await alternateSides(runs, (side, run) => round(side === 'dbctl' ? 'dbctl' : 'drizzle-kit', run));
}

/** Fails with the child's output (first lines) unless it exited 0. */
export function ok(what: string, result: TimedResult): TimedResult {
  if (result.code === 0) return result;
  const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(0, 12).join('\n');
  throw new Error(`${what} exited ${result.code}: ${output}`);
}

/**
 * Measure 1: `node <bin> --version`, after one warm-up run each (file cache); `node` holds the
 * floor, `node -e 0` timed in the same rounds (what no CLI can go below).
 */
export async function coldStart(runs: number): Promise<Paired & { node: number[] }> {
  const bin = (tool: Tool) => (tool === 'dbctl' ? dbctlBin : drizzleKitBin);
  for (const tool of TOOLS) await timedNode(bin(tool), ['--version'], { cwd: repoRoot });
  const node: number[] = [];
  const paired = await alternate(runs, async (tool) => {
    if (tool === 'dbctl') node.push((await timedNode('-e', ['0'], { cwd: repoRoot })).ms);
    return ok(`${tool} --version`, await timedNode(bin(tool), ['--version'], { cwd: repoRoot }));
  });
  return { ...paired, node };
}

/** Counts the rows in drizzle's migrations table (0 when it does not exist). */
async function appliedCount(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
    return row?.n ?? 0;
  } catch {
    return 0;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Measures 3 and 5: `migrate` of the whole corpus, each run on a fresh empty database, timing the
 * run and recording the child's peak RSS; checks afterwards that every migration was recorded.
 */
export async function applyAll(server: BenchServer, corpus: Corpus, runs: number): Promise<Paired> {
  const project = await createProject('apply', corpus);
  try {
    return await alternate(runs, async (tool, run) => {
      const name = `apply_${tool.replace('-', '_')}_${run}`;
      const url = await server.createDatabase(name);
      const result = ok(`${tool} migrate (${corpus.tags.length} pending)`, await project.migrate(tool, url, [], { measureMemory: true }));
      const applied = await appliedCount(url);
      if (applied !== corpus.tags.length)
        throw new Error(`${tool} migrate exited 0 but recorded ${applied} of ${corpus.tags.length} migrations`);
      await server.dropDatabase(name);
      return result;
    });
  } finally {
    await project.cleanup();
  }
}

/**
 * Measure 2: `migrate` with nothing pending on one database where drizzle-kit applied the whole
 * corpus (so dbctl also proves it reads drizzle's table); one warm-up run each, then `runs` each.
 */
export async function nothingPending(server: BenchServer, corpus: Corpus, runs: number): Promise<Paired> {
  const project = await createProject('noop', corpus);
  try {
    const url = await server.createDatabase('noop');
    ok('drizzle-kit migrate (setup)', await project.migrate('drizzle-kit', url));
    const warm: Partial<Record<Tool, string>> = {};
    for (const tool of TOOLS) {
      try {
        ok(`${tool} migrate (warm-up)`, await project.migrate(tool, url));
      } catch (error) {
        warm[tool] = error instanceof Error ? error.message : String(error);
      }
    }
    const result = await alternate(runs, async (tool) => {
      if (warm[tool]) throw new Error(warm[tool]);
      return ok(`${tool} migrate (nothing pending)`, await project.migrate(tool, url));
    });
    if ((await appliedCount(url)) !== corpus.tags.length) throw new Error('nothing-pending runs changed drizzle.__drizzle_migrations');
    return result;
  } finally {
    await project.cleanup();
  }
}

/**
 * The pre-commit check's cost: `dbctl migrate` of the whole corpus on a fresh database with the
 * check (side `dbctl`) and without it (`DBCTL_PRECOMMIT_CHECK=off`, side `baseline`), alternating.
 */
export async function applyPrecommit(server: BenchServer, corpus: Corpus, runs: number): Promise<Paired> {
  const project = await createProject('precommit', corpus);
  try {
    return await alternateSides(runs, async (side, run) => {
      const name = `precommit_${side}_${run}`;
      const url = await server.createDatabase(name);
      const env = side === 'baseline' ? { DBCTL_PRECOMMIT_CHECK: 'off' } : {};
      const result = ok(
        `dbctl migrate (${side === 'dbctl' ? 'with' : 'without'} the pre-commit check)`,
        await project.migrate('dbctl', url, [], { env }),
      );
      const applied = await appliedCount(url);
      if (applied !== corpus.tags.length)
        throw new Error(`dbctl migrate exited 0 but recorded ${applied} of ${corpus.tags.length} migrations`);
      await server.dropDatabase(name);
      return result;
    });
  } finally {
    await project.cleanup();
  }
}
