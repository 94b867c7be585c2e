/**
 * Durations as users write them on the command line and in dbctl.config: `500ms`, `5s`, `2m`,
 * `1h`, or a bare `0`. Pure: no process, fs or network.
 */
import { DbctlError } from '../errors.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

const DURATION = /^(\d+)(ms|s|m|h)$/;

/** Milliseconds for `text`, or undefined when it is not a duration dbctl accepts. */
export function tryParseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const match = DURATION.exec(trimmed);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** The one-line explanation used when `text` (given as `label`) is not a duration. */
export function durationProblem(text: string, label: string): string {
  return `${label} ${JSON.stringify(text)} is not a duration; write 500ms, 5s or 2m`;
}

/**
 * Milliseconds for a duration such as `500ms`, `5s`, `2m`, `1h` or `0`.
 * `label` names where the text came from (`--lock-timeout`) and is used in the error.
 * @throws DbctlError USAGE when `text` is not a duration.
 */
export function parseDuration(text: string, label: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) throw new DbctlError('USAGE', durationProblem(text, label));
  return ms;
}

/** A short human form of `ms` for messages: `0`, `500ms`, `5s`, `1.5s`, `2m`, `2m 30s`, `1h 5m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0';
  if (ms < 999.5) return `${Math.round(ms)}ms`;
  if (ms < 59_950) return `${Number((ms / 1_000).toFixed(1))}s`;
  const totalSeconds = Math.round(ms / 1_000);
  if (totalSeconds < 3_600) {
    const minutes = Math.floor(totalSeconds / 60);
    const seconds = totalSeconds % 60;
    return seconds === 0 ? `${minutes}m` : `${minutes}m ${seconds}s`;
  }
  const totalMinutes = Math.round(totalSeconds / 60);
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  return minutes === 0 ? `${hours}h` : `${hours}h ${minutes}m`;
}
