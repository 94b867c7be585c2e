/**
 * Temporary user projects for the benchmark, under the repository's `.tmp/bench-*` so that
 * drizzle-kit and drizzle-orm resolve from its node_modules, and the two CLIs run in them.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Corpus } from './corpus.js';
import { dbctlBin, drizzleKitBin, repoRoot } from './paths.js';
import { timedNode, type TimedOptions, type TimedResult } from './proc.js';

/** The two CLIs under comparison. */
export type Tool = 'dbctl' | 'drizzle-kit';

/** A project directory holding a copy of a corpus. */
export interface BenchProject {
  dir: string;
  /** Runs `tool migrate [...extra]` in the project against `url`, timed. */
  migrate(tool: Tool, url: string, extra?: string[], options?: Partial<TimedOptions>): Promise<TimedResult>;
  /** Rewrites the journal so that only its first `count` migrations exist (a deploy adds the rest). */
  limitJournal(count: number): Promise<void>;
  cleanup(): Promise<void>;
}

/** Copies `corpus` into a new project with a dbctl config whose development url is `env:DATABASE_URL`. */
export async function createProject(label: string, corpus: Corpus): Promise<BenchProject> {
  const dir = path.join(repoRoot, '.tmp', `bench-${label}-${randomUUID().slice(0, 8)}`);
  await mkdir(dir, { recursive: true });
  for (const entry of ['drizzle', 'schema.ts', 'drizzle.config.ts']) {
    await cp(path.join(corpus.dir, entry), path.join(dir, entry), { recursive: true });
  }
  await writeFile(
    path.join(dir, 'dbctl.config.json'),
    JSON.stringify({ environments: { development: { url: 'env:DATABASE_URL' } } }, null, 2),
  );
  const journalPath = path.join(dir, 'drizzle', 'meta', '_journal.json');
  const fullJournal = await readFile(journalPath, 'utf8');
  return {
    dir,
    migrate: (tool, url, extra = [], options = {}) =>
      timedNode(tool === 'dbctl' ? dbctlBin : drizzleKitBin, ['migrate', ...extra], {
        ...options,
        cwd: dir,
        env: { ...options.env, DATABASE_URL: url },
      }),
    async limitJournal(count) {
      const journal = JSON.parse(fullJournal) as { entries: unknown[] };
      journal.entries = journal.entries.slice(0, count);
      await writeFile(journalPath, JSON.stringify(journal, null, 2));
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
