/**
 * The retry policy for lock timeouts: a bounded number of attempts with exponential backoff and
 * jitter, so a migration queued behind a long transaction gives way to the application's queries
 * between attempts instead of stalling them. Pure.
 */

/** SQLSTATE of `canceling statement due to lock timeout`. */
export const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Milliseconds to wait before attempt `attempt` (1-based count of failures so far).
 * `random` is injectable for tests; backoff doubles from 500ms up to 10s, with ±25% jitter.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(500 * 2 ** (attempt - 1), 10_000);
  return Math.round(base * (0.75 + random() * 0.5));
}
