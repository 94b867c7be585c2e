/**
 * The one git question dbctl asks: which files under a folder were added since a ref (a pull
 * request's base), counting uncommitted and untracked files too.
 */
import path from 'node:path';
import { promisify } from 'node:util';
import { DbctlError } from '../errors.js';
import { dynamicImport } from './dynamic-import.js';

async function git(args: string[], cwd: string): Promise<string> {
  // loaded on first use: `child_process` brings `net` and `dgram` (about 5 ms of every review's start)
  const { execFile } = await dynamicImport<typeof import('node:child_process')>('node:child_process');
  try {
    const { stdout } = await promisify(execFile)('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message)
      .trim()
      .split('\n')[0];
    throw new DbctlError('USAGE', `git ${args[0]} failed in ${cwd}: ${stderr}`, {
      hint: 'run inside the git checkout and pass a ref that exists (in CI fetch the base branch, e.g. actions/checkout with fetch-depth: 0)',
    });
  }
}

/** Absolute paths of files under `dir` added since `ref` (committed, staged, unstaged or untracked). */
export async function filesAddedSince(ref: string, dir: string, cwd: string): Promise<string[]> {
  await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], cwd).catch(() => {
    throw new DbctlError('USAGE', `--since ${ref}: no such git ref`, {
      hint: 'fetch it first (git fetch origin main) or pass a commit, branch or tag that exists',
    });
  });
  const top = (await git(['rev-parse', '--show-toplevel'], cwd)).trim();
  const added = await git(['diff', '--name-only', '--diff-filter=A', '--no-renames', ref, '--', dir], cwd);
  const untracked = await git(['ls-files', '--others', '--exclude-standard', '--full-name', '--', dir], cwd);
  return [...new Set([...added.split('\n'), ...untracked.split('\n')].filter(Boolean).map((f) => path.join(top, f)))];
}
