/**
 * The pure core stays pure: modules under src/core and src/review decide, they do not reach the
 * file system, the network, the database driver, child processes, prompts or the process itself.
 * Effects live in src/io, src/backup, src/drizzle and the commands.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const PURE_DIRS = ['core', 'review'];
const FORBIDDEN_IMPORTS = /^(node:)?(fs|fs\/promises|net|tls|dgram|http|https|child_process|worker_threads|readline)$|^(postgres|prompts|jiti|drizzle-kit)(\/|$)/;
const PROCESS_USE = /\bprocess\.(env|exit|cwd|argv|stdout|stderr|stdin|on|chdir|exitCode)\b/;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? files(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('pure modules', () => {
  for (const dir of PURE_DIRS) {
    it(`src/${dir} imports no fs, net, postgres, child processes or prompts and touches no process state`, () => {
      const problems: string[] = [];
      for (const file of files(path.join(src, dir))) {
        const text = readFileSync(file, 'utf8');
        for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)) {
          const specifier = match[1] ?? match[2]!;
          if (FORBIDDEN_IMPORTS.test(specifier)) problems.push(`${path.relative(src, file)} imports ${specifier}`);
        }
        const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
        const use = PROCESS_USE.exec(code);
        if (use) problems.push(`${path.relative(src, file)} uses ${use[0]}`);
      }
      expect(problems).toEqual([]);
    });
  }
});
