/**
 * Where dbctl spends its time: runs the built dbctl under `node --cpu-prof` in the benchmark's
 * scenarios (`--version`, `migrate` with nothing pending, `migrate` of 200 migrations on an empty
 * database) and prints, per package or dist/ file, the self and inclusive sampled time; then the
 * import cost of each runtime dependency on its own, and the protocol round trips each CLI makes.
 * `npx tsx bench/profile.ts` (profiles are kept in bench/.work/profiles/ for Chrome DevTools).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureCorpus, growthSteps } from './lib/corpus.js';
import { benchRoot, dbctlBin, repoRoot } from './lib/paths.js';
import { timedNode } from './lib/proc.js';
import { createProject } from './lib/project.js';
import { startServer } from './lib/server.js';
import { formatKb, formatMs, median } from './lib/stats.js';
import { startWireProxy } from './lib/wire.js';
import type { Tool } from './lib/project.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Groups a frame: `node_modules/<package>`, `dist/<file>`, a node internal area, or a V8 pseudo frame. */
function groupOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return `node_modules/${pkg[1]}`;
  const dist = /\/dist\/(.+)$/.exec(url);
  if (dist && url.startsWith(`file://${repoRoot}`)) return `dist/${dist[1]}`;
  if (url.startsWith('node:internal/modules')) return 'node: module loader';
  if (url.startsWith('node:')) return 'node: other internals';
  if (url.startsWith('wasm://')) return 'wasm';
  return url;
}

/** Self and inclusive milliseconds per group of one profile. */
function summarize(profile: CpuProfile): { total: number; rows: { group: string; self: number; inclusive: number }[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    total += ms;
    const leaf = byId.get(id)!;
    self.set(groupOf(leaf.callFrame), (self.get(groupOf(leaf.callFrame)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) seen.add(groupOf(byId.get(cur)!.callFrame));
    for (const g of seen) inclusive.set(g, (inclusive.get(g) ?? 0) + ms);
  });
  const rows = [...inclusive.keys()].map((group) => ({ group, self: self.get(group) ?? 0, inclusive: inclusive.get(group) ?? 0 }));
  rows.sort((a, b) => b.self - a.self);
  return { total, rows };
}

/** Runs one scenario under the profiler and prints its top groups. */
async function profileRun(label: string, args: string[], cwd: string, env: Record<string, string>): Promise<void> {
  const dir = path.join(benchRoot, '.work', 'profiles', label.replace(/\W+/g, '-'));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const result = await timedNode(dbctlBin, args, { cwd, env, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`], measureMemory: true });
  if (result.code !== 0) throw new Error(`dbctl ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  const [file] = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const { total, rows } = summarize(JSON.parse(await readFile(path.join(dir, file!), 'utf8')) as CpuProfile);
  process.stdout.write(`\n## dbctl ${args.join(' ')} (${label}): wall ${formatMs(result.ms)} under the profiler, sampled ${formatMs(total)}, max RSS ${formatKb(result.peakRssKb)}\n`);
  process.stdout.write('| self | inclusive | where |\n| ---: | ---: | --- |\n');
  for (const r of rows.slice(0, 14)) process.stdout.write(`| ${formatMs(r.self)} | ${formatMs(r.inclusive)} | ${r.group} |\n`);
}

/**
 * Milliseconds to load each runtime dependency in a fresh process (in-process timer, median of
 * `runs`), both as `await import(name)` and as `require(name)` (jiti, say, is cheaper required).
 */
async function importCosts(runs = 9): Promise<void> {
  const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const names = [...Object.keys(pkg.dependencies ?? {}), 'postgres', 'drizzle-orm'];
  const time = (load: string): string => {
    const code = `import { createRequire } from 'node:module'; const require = createRequire(process.cwd() + '/'); const t = performance.now(); ${load}; console.log(performance.now() - t)`;
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      try {
        samples.push(Number(execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()));
      } catch {
        return 'fails';
      }
    }
    return formatMs(median(samples));
  };
  process.stdout.write('\n## load cost of each runtime dependency alone (fresh process, in-process timer)\n| import() | require() | package |\n| ---: | ---: | --- |\n');
  for (const name of names) {
    process.stdout.write(`| ${time(`await import(${JSON.stringify(name)})`)} | ${time(`require(${JSON.stringify(name)})`)} | ${name} |\n`);
  }
}

/** Counts the protocol messages each CLI sends for `migrate` on `dbName`, through a counting proxy. */
async function roundTrips(label: string, tool: Tool, project: { migrate: (tool: Tool, url: string) => Promise<{ code: number; ms: number }> }, url: string): Promise<void> {
  const target = new URL(url);
  const proxy = await startWireProxy(Number(target.port));
  try {
    target.port = String(proxy.port);
    const result = await project.migrate(tool, target.toString());
    const c = proxy.counts();
    process.stdout.write(`| ${label} | ${tool} | ${c.query} | ${c.sync} | ${c.parse} | ${c.connections} | ${formatMs(result.ms)} (exit ${result.code}) |\n`);
  } finally {
    await proxy.close();
  }
}

async function main(): Promise<void> {
  const corpus = await ensureCorpus('growth200', growthSteps(200));
  const server = await startServer();
  const project = await createProject('profile', corpus);
  try {
    await profileRun('version', ['--version'], repoRoot, {});
    const noop = await server.createDatabase('profile_noop');
    const setup = await project.migrate('drizzle-kit', noop);
    if (setup.code !== 0) throw new Error(`drizzle-kit migrate (setup) failed: ${setup.stderr}`);
    await project.migrate('dbctl', noop);
    await profileRun('nothing pending', ['migrate'], project.dir, { DATABASE_URL: noop });
    const fresh = await server.createDatabase('profile_apply');
    await profileRun('200 on an empty database', ['migrate'], project.dir, { DATABASE_URL: fresh });
    await importCosts();
    process.stdout.write('\n## round trips: messages the CLI sent (simple queries, extended-protocol syncs, parses)\n');
    process.stdout.write('| run | cli | Query | Sync | Parse | connections | wall |\n| --- | --- | ---: | ---: | ---: | ---: | --- |\n');
    for (const tool of ['drizzle-kit', 'dbctl'] as const) {
      await roundTrips('200 on an empty database', tool, project, await server.createDatabase(`rt_${tool.replace('-', '_')}`));
      await roundTrips('nothing pending', tool, project, server.urlOf(`rt_${tool.replace('-', '_')}`));
    }
  } finally {
    await project.cleanup();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[profile] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
