/**
 * Issue 3's measures: `dbctl review --all` of the 200 cached migrations beside squawk (the
 * `squawk-cli` npm package, run through its npm wrapper as `npx squawk` would) on the same files,
 * wall time from spawn to exit; the findings agreement between the two; and `dbctl generate` with
 * no schema change beside `drizzle-kit generate` with no change, on a 50-table schema.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ReviewReport } from '../../src/review/types.js';
import { agreement, type AgreementRow, type SquawkFinding } from './agreement.js';
import { tableCount, type Corpus } from './corpus.js';
import { alternateSides, ok, type Paired } from './measures.js';
import { benchRoot, dbctlBin, drizzleKitBin, repoRoot } from './paths.js';
import { timedNode, type TimedResult } from './proc.js';
import { createProject } from './project.js';

/** The squawk-cli version the benchmark installs when the repository has none. */
export const SQUAWK_VERSION = '2.66.0';
/** Where the benchmark installs it: its own folder under bench/.work/ (gitignored), not the project's dependencies. */
const squawkPrefix = path.join(benchRoot, '.work', `squawk-${SQUAWK_VERSION}`);

/** squawk's npm wrapper (a node script that spawns the binary of `@squawk-cli/<platform>`) under `root`. */
const wrapperIn = (root: string) => path.join(root, 'node_modules', 'squawk-cli', 'js', 'bin', 'squawk');

/** The squawk wrapper to run: the repository's own install if it has one, else the benchmark's, or null. */
export function findSquawk(): string | null {
  for (const root of [repoRoot, squawkPrefix]) if (existsSync(wrapperIn(root))) return wrapperIn(root);
  return null;
}

/** The version of the squawk-cli that `findSquawk` finds. */
export function squawkVersion(): string {
  const bin = findSquawk();
  if (!bin) return 'not installed';
  try {
    return (JSON.parse(readFileSync(path.join(bin, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * The squawk wrapper, installed first when missing: `squawk-cli` from the npm registry into
 * bench/.work/squawk-VERSION/ (scripts off: it has none, its Rust binary ships inside the
 * `@squawk-cli/<platform>` package). Not a dependency of the project: its other platforms'
 * packages would break `npm ci` where the registry lacks them. Checks that the binary runs.
 */
export async function ensureSquawk(log: (line: string) => void): Promise<string> {
  let bin = findSquawk();
  if (!bin) {
    log(`installing squawk-cli@${SQUAWK_VERSION} into ${path.relative(repoRoot, squawkPrefix)}/ (npm registry)`);
    await mkdir(squawkPrefix, { recursive: true });
    await writeFile(path.join(squawkPrefix, 'package.json'), `${JSON.stringify({ name: 'dbctl-bench-squawk', private: true }, null, 2)}\n`);
    const npm = spawnSync(
      'npm',
      ['install', '--prefix', squawkPrefix, '--ignore-scripts', '--no-audit', '--no-fund', `squawk-cli@${SQUAWK_VERSION}`],
      {
        cwd: squawkPrefix,
        encoding: 'utf8',
        timeout: 300_000,
      },
    );
    if (npm.status !== 0)
      throw new Error(
        `npm install squawk-cli@${SQUAWK_VERSION} failed (exit ${npm.status ?? npm.signal}): ${(npm.stderr ?? '').trim().split('\n').slice(-6).join(' ')}`,
      );
    bin = findSquawk();
    if (!bin)
      throw new Error(`npm installed squawk-cli@${SQUAWK_VERSION} but ${path.relative(repoRoot, wrapperIn(squawkPrefix))} is missing`);
  }
  const version = await timedNode(bin, ['--version'], { cwd: repoRoot });
  if (version.code !== 0)
    throw new Error(`${bin} --version exited ${version.code}: ${(version.stdout + version.stderr).trim().slice(0, 400)}`);
  return bin;
}

/** What issue 3's measures found. */
export interface ReviewResults {
  /**
   * `dbctl review --all` vs `squawk <200 files>`, text output, both from spawn to exit; dbctl's
   * parse cache warm (every file parsed by an earlier run: a CI job that keeps node_modules/.cache).
   */
  review: Paired;
  /** The same with the newest migration not in the parse cache (a pull request's new migration: parsed on the worker thread). */
  reviewNewest: Paired;
  /** The same with no parse cache at all (a first run: everything parsed, and stored). */
  reviewCold: Paired;
  /** dbctl's exit code and error / warning counts, squawk's exit code and finding count. */
  reviewFacts: {
    dbctlExit: number;
    errors: number;
    warnings: number;
    squawkExit: number;
    squawkFindings: number;
    squawkAssumeInTransaction: number;
  };
  agreement: AgreementRow[];
  /** `dbctl generate` vs `drizzle-kit generate`, no schema change. */
  generate: Paired;
  /** Migration count and table count of the generate project. */
  generateProject: { migrations: number; tables: number };
  /** The squawk-cli version measured. */
  squawkVersion: string;
}

/** Fails unless a linter's run exited 0 (nothing found) or 1 (findings), with output on stdout. */
function linted(what: string, result: TimedResult): TimedResult {
  if ((result.code === 0 || result.code === 1) && result.stdout.trim()) return result;
  const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(0, 12).join('\n');
  throw new Error(`${what} exited ${result.code}: ${output || 'no output'}`);
}

/**
 * Review measure and agreement on `corpus` (the 200 cached migrations), generate measure on
 * `generateCorpus` (the 50-table schema).
 */
export async function reviewMeasures(
  corpus: Corpus,
  generateCorpus: Corpus,
  runs: { review: number; generate: number },
  log: (line: string) => void,
): Promise<ReviewResults> {
  const squawkBin = await ensureSquawk(log);
  const project = await createProject('review', corpus);
  let review: Paired;
  let reviewNewest: Paired;
  let reviewCold: Paired;
  let reviewFacts: ReviewResults['reviewFacts'];
  let rows: AgreementRow[];
  try {
    const files = (await readdir(path.join(project.dir, 'drizzle')))
      .filter((f) => f.endsWith('.sql'))
      .sort()
      .map((f) => `drizzle/${f}`);
    // the project's own node_modules holds dbctl's parse cache (src/io/parse-cache.ts), apart from the repository's
    const cacheRoot = path.join(project.dir, 'node_modules', '.cache', 'dbctl');
    await mkdir(path.join(project.dir, 'node_modules'), { recursive: true });
    const parseCacheDirs = async () =>
      (await readdir(cacheRoot).catch(() => [] as string[])).filter((n) => n.startsWith('parse-')).map((n) => path.join(cacheRoot, n));
    const dropParseCache = async () => {
      for (const dir of await parseCacheDirs()) await rm(dir, { recursive: true, force: true });
    };
    // a file of up to 1 MB is parsed whole: its entry is keyed by the SHA-256 of its text, a line
    // `parse-<hash> <entry>` of the cache's entries.jsonl
    const newestText = await readFile(path.join(project.dir, files.at(-1)!), 'utf8');
    const newestKey = `parse-${createHash('sha256').update(newestText).digest('hex').slice(0, 40)} `;
    const dropNewest = async () => {
      const entryFiles = (await parseCacheDirs()).map((dir) => path.join(dir, 'entries.jsonl')).filter((file) => existsSync(file));
      const contents = await Promise.all(entryFiles.map((file) => readFile(file, 'utf8')));
      if (!contents.some((text) => text.includes(`\n${newestKey}`) || text.startsWith(newestKey)))
        throw new Error(
          `the parse cache holds no entry ${newestKey.trim()} for ${files.at(-1)}: the bench's idea of the cache key is out of date`,
        );
      for (const [i, file] of entryFiles.entries()) {
        const kept = contents[i]!.split('\n').filter((line) => !line.startsWith(newestKey));
        await writeFile(file, kept.join('\n'));
      }
    };
    const dbctl = (args: string[]) => timedNode(dbctlBin, ['review', '--all', ...args], { cwd: project.dir });
    const squawk = (args: string[]) => timedNode(squawkBin, [...args, ...files], { cwd: project.dir });

    // The agreement (also the warm-up of both): JSON from each on the same files.
    const dbctlJson = linted('dbctl review --all --format json', await dbctl(['--format', 'json']));
    const report = JSON.parse(dbctlJson.stdout) as ReviewReport;
    const squawkJson = linted('squawk --reporter json', await squawk(['--reporter', 'json']));
    const findings = JSON.parse(squawkJson.stdout) as SquawkFinding[];
    const assumed = JSON.parse(
      linted('squawk --assume-in-transaction', await squawk(['--reporter', 'json', '--assume-in-transaction'])).stdout,
    ) as SquawkFinding[];
    rows = agreement(report, findings);
    reviewFacts = {
      dbctlExit: dbctlJson.code,
      errors: report.summary.errors,
      warnings: report.summary.warnings,
      squawkExit: squawkJson.code,
      squawkFindings: findings.length,
      squawkAssumeInTransaction: assumed.length,
    };

    // The timed runs: each tool's default human output, as a developer or CI runs it.
    // (the warm-up above stored every file in the parse cache)
    review = await alternateSides(runs.review, async (side) =>
      side === 'dbctl' ? linted('dbctl review --all', await dbctl([])) : linted('squawk', await squawk([])),
    );
    // the cache is changed between runs, outside the timed part
    reviewNewest = await alternateSides(runs.review, async (side) => {
      if (side === 'baseline') return linted('squawk', await squawk([]));
      await dropNewest();
      return linted('dbctl review --all (newest not cached)', await dbctl([]));
    });
    reviewCold = await alternateSides(runs.review, async (side) => {
      if (side === 'baseline') return linted('squawk', await squawk([]));
      await dropParseCache();
      return linted('dbctl review --all (no parse cache)', await dbctl([]));
    });
  } finally {
    await project.cleanup();
  }

  const gen = await createProject('generate', generateCorpus);
  try {
    const journal = path.join(gen.dir, 'drizzle', 'meta', '_journal.json');
    const before = await readFile(journal, 'utf8');
    const migrations = (JSON.parse(before) as { entries: unknown[] }).entries.length;
    const tables = tableCount(generateCorpus);
    const run = async (side: 'dbctl' | 'baseline') => {
      const what = side === 'dbctl' ? 'dbctl generate' : 'drizzle-kit generate';
      const result = ok(
        `${what} (no change)`,
        await timedNode(side === 'dbctl' ? dbctlBin : drizzleKitBin, ['generate'], {
          cwd: gen.dir,
          env: { DATABASE_URL: 'postgres://unused@127.0.0.1/unused' },
        }),
      );
      if (!/no schema changes/i.test(result.stdout + result.stderr))
        throw new Error(`${what} did not report "no schema changes": ${(result.stdout + result.stderr).slice(0, 400)}`);
      if ((await readFile(journal, 'utf8')) !== before) throw new Error(`${what} changed the journal with no schema change`);
      return result;
    };
    await run('dbctl');
    await run('baseline');
    const generate = await alternateSides(runs.generate, run);
    return {
      review,
      reviewNewest,
      reviewCold,
      reviewFacts,
      agreement: rows,
      generate,
      generateProject: { migrations, tables },
      squawkVersion: squawkVersion(),
    };
  } finally {
    await gen.cleanup();
  }
}
