/**
 * Where dbctl spends its time: runs the built dbctl under `node --cpu-prof` in the benchmark's
 * scenarios (`--version`, `migrate` with nothing pending, `migrate` of 200 migrations on an empty
 * database) and prints, per package or dist/ file, the self and inclusive sampled time; then the
 * import cost of each runtime dependency on its own, and the protocol round trips each CLI makes.
 * `npx tsx bench/profile.ts` (profiles are kept in bench/.work/profiles/ for Chrome DevTools).
 * `npx tsx bench/profile.ts --issues` profiles the dbctl side of issues 3 to 5 instead: review,
 * generate, check with and without --env, backup and restore of a 1M-row table.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import postgres from 'postgres';
import { backupWorker, createRowTable, createWideTable } from './lib/backup.js';
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
  if (dist && (url.startsWith(`file://${repoRoot}`) || url.startsWith(repoRoot))) return `dist/${dist[1]}`;
  if (url.startsWith('node:internal/modules')) return 'node: module loader';
  if (url.startsWith('node:')) return 'node: other internals';
  if (url.startsWith('wasm://')) return 'wasm';
  return url;
}

/** Self and inclusive milliseconds per group of one profile, and the functions with the most self time. */
function summarize(profile: CpuProfile): {
  total: number;
  rows: { group: string; self: number; inclusive: number }[];
  functions: { name: string; group: string; self: number }[];
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const fnSelf = new Map<string, { name: string; group: string; self: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    total += ms;
    const leaf = byId.get(id)!;
    const leafGroup = groupOf(leaf.callFrame);
    self.set(leafGroup, (self.get(leafGroup) ?? 0) + ms);
    const fnKey = `${leaf.callFrame.functionName || '(anonymous)'}\u0000${leaf.callFrame.url}`;
    const fn = fnSelf.get(fnKey) ?? { name: leaf.callFrame.functionName || '(anonymous)', group: leafGroup, self: 0 };
    fn.self += ms;
    fnSelf.set(fnKey, fn);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) seen.add(groupOf(byId.get(cur)!.callFrame));
    for (const g of seen) inclusive.set(g, (inclusive.get(g) ?? 0) + ms);
  });
  const rows = [...inclusive.keys()].map((group) => ({ group, self: self.get(group) ?? 0, inclusive: inclusive.get(group) ?? 0 }));
  rows.sort((a, b) => b.self - a.self);
  const functions = [...fnSelf.values()].sort((a, b) => b.self - a.self);
  return { total, rows, functions };
}

/**
 * Runs one scenario under the profiler and prints its top groups (exit codes in `okCodes` accepted).
 * With `warmUp` it first runs once unprofiled, as the benchmark does before timing: jiti's
 * transform cache of the project's config and schema files is then warm, as on a developer's disk.
 */
async function profileRun(
  label: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  okCodes: number[] = [0],
  warmUp = false,
  script: { path: string; nodeArgs: string[] } = { path: dbctlBin, nodeArgs: [] },
): Promise<string> {
  const dir = path.join(benchRoot, '.work', 'profiles', label.replace(/\W+/g, '-'));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  if (warmUp) await timedNode(script.path, args, { cwd, env, nodeArgs: script.nodeArgs, timeoutMs: 600_000 });
  const result = await timedNode(script.path, args, {
    cwd,
    env,
    nodeArgs: [...script.nodeArgs, '--cpu-prof', `--cpu-prof-dir=${dir}`],
    measureMemory: true,
    timeoutMs: 600_000,
  });
  if (!okCodes.includes(result.code)) throw new Error(`dbctl ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  const [file] = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const { total, rows, functions } = summarize(JSON.parse(await readFile(path.join(dir, file!), 'utf8')) as CpuProfile);
  const what = script.path === dbctlBin ? `dbctl ${args.join(' ')}` : `${path.basename(script.path)} ${args.slice(1).join(' ')}`;
  process.stdout.write(
    `\n## ${what} (${label}): wall ${formatMs(result.ms)} under the profiler, sampled ${formatMs(total)}, max RSS ${formatKb(result.peakRssKb)}\n`,
  );
  process.stdout.write('| self | inclusive | where |\n| ---: | ---: | --- |\n');
  for (const r of rows.slice(0, 14)) process.stdout.write(`| ${formatMs(r.self)} | ${formatMs(r.inclusive)} | ${r.group} |\n`);
  process.stdout.write('\nfunctions with the most self time:\n| self | function | where |\n| ---: | --- | --- |\n');
  for (const f of functions.slice(0, 10)) process.stdout.write(`| ${formatMs(f.self)} | ${f.name} | ${f.group} |\n`);
  return result.stdout;
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
        samples.push(
          Number(
            execFileSync(process.execPath, ['--input-type=module', '-e', code], {
              cwd: repoRoot,
              encoding: 'utf8',
              stdio: ['ignore', 'pipe', 'ignore'],
            }).trim(),
          ),
        );
      } catch {
        return 'fails';
      }
    }
    return formatMs(median(samples));
  };
  process.stdout.write(
    '\n## load cost of each runtime dependency alone (fresh process, in-process timer)\n| import() | require() | package |\n| ---: | ---: | --- |\n',
  );
  for (const name of names) {
    process.stdout.write(`| ${time(`await import(${JSON.stringify(name)})`)} | ${time(`require(${JSON.stringify(name)})`)} | ${name} |\n`);
  }
}

/** Counts the protocol messages each CLI sends for `migrate` on `dbName`, through a counting proxy. */
async function roundTrips(
  label: string,
  tool: Tool,
  project: { migrate: (tool: Tool, url: string) => Promise<{ code: number; ms: number }> },
  url: string,
): Promise<void> {
  const target = new URL(url);
  const proxy = await startWireProxy(Number(target.port));
  try {
    target.port = String(proxy.port);
    const result = await project.migrate(tool, target.toString());
    const c = proxy.counts();
    process.stdout.write(
      `| ${label} | ${tool} | ${c.query} | ${c.sync} | ${c.parse} | ${c.connections} | ${formatMs(result.ms)} (exit ${result.code}) |\n`,
    );
  } finally {
    await proxy.close();
  }
}

/**
 * `--issues`: the dbctl side of issues 3 to 5's measures under the profiler: review of the 200
 * migrations, generate and check (without and with --env) on the 50-table project, and backup and
 * restore of a 1M-row table.
 */
async function issueProfiles(): Promise<void> {
  const corpus = await ensureCorpus('growth200', growthSteps(200));
  const corpus50 = await ensureCorpus('growth200t50', growthSteps(200, 4));
  const server = await startServer();
  const review = await createProject('profile-review', corpus);
  const project50 = await createProject('profile-50', corpus50);
  try {
    await profileRun('review all', ['review', '--all'], review.dir, {}, [0, 1], true);
    await profileRun('generate no change', ['generate'], project50.dir, { DATABASE_URL: 'postgres://unused@127.0.0.1/unused' }, [0], true);
    await profileRun('check', ['check'], project50.dir, {}, [0, 1], true);
    const url = await server.createDatabase('profile_check');
    const setup = await project50.migrate('dbctl', url);
    if (setup.code !== 0) throw new Error(`dbctl migrate (setup) failed: ${setup.stderr}`);
    await profileRun('check env', ['check', '--env', 'development'], project50.dir, { DATABASE_URL: url }, [0, 1], true);
    // the protocol messages behind check --env's waiting: history, table facts, live introspection
    const target = new URL(url);
    const proxy = await startWireProxy(Number(target.port));
    try {
      target.port = String(proxy.port);
      const result = await timedNode(dbctlBin, ['check', '--env', 'development'], {
        cwd: project50.dir,
        env: { DATABASE_URL: target.toString() },
      });
      const c = proxy.counts();
      process.stdout.write(
        `\ncheck --env through a counting proxy: ${c.query} simple queries, ${c.sync} extended-protocol syncs, ${c.parse} parses, ${c.connections} connection(s); wall ${formatMs(result.ms)} (exit ${result.code})\n`,
      );
    } finally {
      await proxy.close();
    }

    const backupUrl = await server.createDatabase('profile_backup');
    const sql = postgres(backupUrl, { max: 1, onnotice: () => {} });
    try {
      await createRowTable(sql, 't', 1_000_000);
      await profileRun('backup 1M rows', ['backup', '--tables', 't'], project50.dir, { DATABASE_URL: backupUrl });
      const id = (await readdir(path.join(project50.dir, '.dbctl', 'backups'))).find((e) => !e.startsWith('.'));
      if (!id) throw new Error('the backup left no directory');
      await sql.unsafe('drop table t');
      await profileRun('restore 1M rows', ['restore', id], project50.dir, { DATABASE_URL: backupUrl });

      // issue 4's targeted backup: what migrate backs up before DROP COLUMN c7 vs before DROP TABLE wide
      await createWideTable(sql, 1_000_000);
      await sql.unsafe('vacuum analyze wide');
      const worker = { path: backupWorker, nodeArgs: ['--import', 'tsx'] };
      for (const [label, statement] of [
        ['backup before DROP COLUMN c7', 'ALTER TABLE "wide" DROP COLUMN "c7";'],
        ['backup before DROP TABLE wide', 'DROP TABLE "wide";'],
      ] as const) {
        const out = await profileRun(label, [backupUrl, statement], project50.dir, {}, [0], false, worker);
        const parsed = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { ms?: number };
        process.stdout.write(`\nthe backup call itself took ${formatMs(parsed.ms ?? Number.NaN)} (under the profiler)\n`);
      }
      // the server's share: the same COPY read to the end by psql-less postgres.js, rows discarded
      for (const [label, query] of [
        ['id, c7', 'copy (select id, c7 from wide) to stdout'],
        ['whole table', 'copy wide to stdout'],
      ] as const) {
        const started = performance.now();
        let bytes = 0;
        const stream = await sql.unsafe(query).readable();
        for await (const chunk of stream) bytes += (chunk as Buffer).length;
        process.stdout.write(
          `COPY of ${label} through postgres.js, nothing else done: ${formatMs(performance.now() - started)}, ${formatKb(bytes / 1024)}\n`,
        );
      }
    } finally {
      await sql.end({ timeout: 5 });
    }
  } finally {
    await review.cleanup();
    await project50.cleanup();
    await server.stop();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--issues')) return await issueProfiles();
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
