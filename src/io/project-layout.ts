/**
 * Where a project sits, for the files `dbctl init` writes: its package manager (from the lockfile,
 * looked for from the project up to the repository root), the directory holding that lockfile,
 * and the git repository's root (GitHub reads workflows only there).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** A package manager and how CI and images run it. */
export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'yarn-classic' | 'bun';

/** The project's surroundings. */
export interface ProjectLayout {
  packageManager: PackageManager;
  /** Directory of the lockfile (the workspace root in a monorepo); the project dir when none. */
  lockfileDir: string;
  /** Lockfile name, or null when none was found. */
  lockfile: string | null;
  /** The git repository's root, or the project dir outside git. */
  repoRoot: string;
}

const LOCKFILES: [string, PackageManager][] = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['yarn.lock', 'yarn'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

/** Reads the layout around `projectDir`. */
export function detectLayout(projectDir: string): ProjectLayout {
  const repoRoot = gitRoot(projectDir) ?? projectDir;
  for (let dir = projectDir; ; dir = path.dirname(dir)) {
    for (const [name, manager] of LOCKFILES) {
      if (!existsSync(path.join(dir, name))) continue;
      const yarnClassic = manager === 'yarn' && !existsSync(path.join(dir, '.yarnrc.yml'));
      return { packageManager: yarnClassic ? 'yarn-classic' : manager, lockfileDir: dir, lockfile: name, repoRoot };
    }
    if (dir === repoRoot || path.dirname(dir) === dir) break;
  }
  return { packageManager: 'npm', lockfileDir: projectDir, lockfile: null, repoRoot };
}

function gitRoot(dir: string): string | null {
  try {
    return (
      execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim() || null
    );
  } catch {
    return null;
  }
}
