/**
 * The findings agreement with squawk without running the rest of the bench, printed as markdown:
 * - `tsx bench/agreement-cases.ts [dir]`: the project's own review cases (default
 *   test/fixtures/review-agreement: issue 13's hazards, one per file, each after the base migration);
 * - `tsx bench/agreement-cases.ts --corpus`: the bench corpus (issue 2's 200 drizzle-kit migrations,
 *   reviewed in order as `dbctl review --all` does).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { reviewMigrations } from '../src/review/engine.js';
import { loadSqlParser } from '../src/sql/parser.js';
import { agreement, renderAgreement, reviewCases, type SquawkFinding } from './lib/agreement.js';
import { repoRoot } from './lib/paths.js';
import { timedNode } from './lib/proc.js';
import { ensureSquawk, SQUAWK_VERSION } from './lib/review.js';
import { ensureCorpus, growthSteps } from './lib/corpus.js';

/** The bench's corpus size (bench/run.ts MIGRATIONS). */
const CORPUS_MIGRATIONS = 200;
const corpusMode = process.argv[2] === '--corpus';
const dir = corpusMode
  ? path.join((await ensureCorpus(`growth${CORPUS_MIGRATIONS}`, growthSteps(CORPUS_MIGRATIONS))).dir, 'drizzle')
  : path.resolve(process.argv[2] ?? path.join(repoRoot, 'test', 'fixtures', 'review-agreement'));
const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
const cases = await Promise.all(files.map(async (file) => ({ file, sql: await readFile(path.join(dir, file), 'utf8') })));
const parser = await loadSqlParser();
const report = corpusMode
  ? reviewMigrations({ migrations: cases.map((c) => ({ tag: c.file.replace(/\.sql$/, ''), file: c.file, sql: c.sql })) }, parser)
  : reviewCases(cases, (input) => reviewMigrations(input, parser));
const squawkBin = await ensureSquawk((line) => console.error(line));
const run = await timedNode(squawkBin, ['--reporter', 'json', ...files], { cwd: dir });
if (!run.stdout.trim().startsWith('['))
  throw new Error(`squawk --reporter json failed (exit ${run.code}): ${(run.stdout + run.stderr).slice(0, 400)}`);
const findings = JSON.parse(run.stdout) as SquawkFinding[];
const rows = agreement(report, findings);
const what = corpusMode
  ? `the bench corpus (${files.length} drizzle-kit migrations, in order)`
  : `${files.length} cases of ${path.relative(repoRoot, dir)}`;
console.log(
  `Findings agreement on ${what} (dbctl review, applied by dbctl, vs squawk ${SQUAWK_VERSION} --reporter json), matched per statement and rule:\n`,
);
console.log(renderAgreement(rows));
