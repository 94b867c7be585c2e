/**
 * Runs a child process the way the benchmark measures it: wall-clock time from spawn to exit,
 * captured output, and (through /usr/bin/time, when present) its CPU time and peak resident memory.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What a finished, timed child left behind. */
export interface TimedResult {
  code: number;
  /** Wall-clock milliseconds from spawn to exit. */
  ms: number;
  stdout: string;
  stderr: string;
  /** Peak resident set size in KB, or null when it could not be measured. */
  peakRssKb: number | null;
  /** User + system CPU milliseconds (10 ms resolution), or null without /usr/bin/time. */
  cpuMs: number | null;
}

/** Options for one timed run. */
export interface TimedOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Without /usr/bin/time, poll /proc/PID/status for the child's peak RSS. */
  measureMemory?: boolean;
  timeoutMs?: number;
  /** Options for node itself, before the script (e.g. `--cpu-prof`); `timedNode` only. */
  nodeArgs?: string[];
}

const TIME_BIN = '/usr/bin/time';

/** Runs `node script ...args` non-interactively (CI=1, NO_COLOR=1) and times it. */
export async function timedNode(script: string, args: string[], options: TimedOptions): Promise<TimedResult> {
  return await timedCommand(process.execPath, [...(options.nodeArgs ?? []), script, ...args], options);
}

/**
 * Runs any executable (`pg_dump`, squawk's binary, ...) the same way as `timedNode`: CI=1,
 * NO_COLOR=1, wall time from spawn to exit, CPU time and peak RSS through /usr/bin/time.
 */
export async function timedCommand(executable: string, args: string[], options: TimedOptions): Promise<TimedResult> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, CI: '1', NO_COLOR: '1', ...options.env })) {
    if (value !== undefined) env[key] = value;
  }
  const useTime = existsSync(TIME_BIN);
  const tmp = useTime ? await mkdtemp(path.join(tmpdir(), 'dbctl-bench-time-')) : null;
  const statsFile = tmp ? path.join(tmp, 'stats') : '';
  const [command, argv] = useTime ? [TIME_BIN, ['-f', '%M %U %S', '-o', statsFile, executable, ...args]] : [executable, args];

  const started = performance.now();
  const child = spawn(command, argv, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let polledKb: number | null = null;
  const poller =
    options.measureMemory && !useTime
      ? setInterval(() => {
          const kb = readVmHwm(child.pid);
          if (kb !== null) polledKb = Math.max(polledKb ?? 0, kb);
        }, 5)
      : null;
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  let ms = 0;
  child.on('exit', () => (ms = performance.now() - started));
  // 'close' comes after 'exit' and after the output streams are drained.
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
  });
  clearTimeout(timer);
  if (poller) clearInterval(poller);

  let peakRssKb: number | null = polledKb;
  let cpuMs: number | null = null;
  if (tmp) {
    // /usr/bin/time writes "Command exited with non-zero status N" first on failure; ours is the last line.
    const lines = (await readFile(statsFile, 'utf8')).trim().split('\n');
    const [kb, user, system] = (lines[lines.length - 1] ?? '').split(' ').map(Number);
    peakRssKb = Number.isFinite(kb) ? kb! : null;
    cpuMs = Number.isFinite(user) && Number.isFinite(system) ? Math.round((user! + system!) * 1000) : null;
    await rm(tmp, { recursive: true, force: true });
  }
  return { code, ms, stdout, stderr, peakRssKb, cpuMs };
}

/** The high-water mark of resident memory of a live process, in KB, or null once it is gone. */
function readVmHwm(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    // Synchronous on purpose: the poll must not be outrun by the child's exit.
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Throws with the child's output when it did not exit 0; returns it otherwise. */
export function expectOk(what: string, result: TimedResult): TimedResult {
  if (result.code !== 0) {
    throw new Error(`${what} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
  return result;
}
