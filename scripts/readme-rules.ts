/**
 * Regenerates the rule table in README.md from the rule registry (`npm run docs`).
 * A unit test fails when the README's table is out of date.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { renderRuleTable } from '../src/review/docs.js';

/** Markers around the generated table in README.md. */
export const START = '<!-- rules:start -->';
export const END = '<!-- rules:end -->';

/** README text with the table between the markers replaced. */
export function withRuleTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end === -1) throw new Error(`README.md lacks ${START} … ${END}`);
  return `${readme.slice(0, start + START.length)}\n${renderRuleTable().trim()}\n${readme.slice(end)}`;
}

if (process.argv[1]?.endsWith('readme-rules.ts')) {
  const file = new URL('../README.md', import.meta.url);
  await writeFile(file, withRuleTable(await readFile(file, 'utf8')));
}
