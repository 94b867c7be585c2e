/**
 * Runs the built `dbctl` binary as a user would, in a project directory, capturing its output.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (where bin/dbctl.js lives). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Path of the dbctl executable under test. */
export const dbctlBin = path.join(repoRoot, 'bin', 'dbctl.js');

/** What a finished dbctl process left behind. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (throws if it is not exactly one JSON document). */
  json<T = any>(): T;
}

/** Options for one run. */
export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

/** Runs `dbctl ...args` and resolves when it exits. CI is set so the run is non-interactive. */
export function runDbctl(args: string[], options: RunOptions): Promise<CliResult> {
  return runNode(dbctlBin, args, options);
}

/** The real drizzle-kit CLI of the repository's node_modules. */
export const drizzleKitBin = path.join(repoRoot, 'node_modules', 'drizzle-kit', 'bin.cjs');

/** Runs a Node script with arguments, non-interactively, capturing its output. */
export function runNode(script: string, args: string[], options: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...process.env, CI: '1', NO_COLOR: '1', ...options.env })) {
      if (value !== undefined) env[key] = value;
    }
    const child = spawn(process.execPath, [script, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout,
        stderr,
        json: () => JSON.parse(stdout),
      });
    });
    child.stdin.end(options.input ?? '');
  });
}
