/**
 * Small statistics and formatting helpers for the benchmark: medians, percentiles, ratios.
 */

/** The median of `values` (mean of the two middle values for an even count); NaN when empty. */
export function median(values: number[]): number {
  return percentile(values, 50, true);
}

/**
 * The `p`-th percentile of `values` by nearest rank (p99 of 1000 samples is the 990th smallest);
 * with `interpolateMiddle` the 50th of an even count is the mean of the two middle values.
 */
export function percentile(values: number[], p: number, interpolateMiddle = false): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  if (interpolateMiddle && p === 50 && sorted.length % 2 === 0) {
    return (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  }
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Milliseconds as a short human string: `87 ms`, `1.23 s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Kilobytes as megabytes: `64.2 MB` (1 MB = 1024 KB). */
export function formatKb(kb: number | null): string {
  return kb === null || !Number.isFinite(kb) ? 'n/a' : `${(kb / 1024).toFixed(1)} MB`;
}

/** `a / b` as `0.42x`. */
export function formatRatio(a: number, b: number): string {
  if (!(Number.isFinite(a) && Number.isFinite(b) && b > 0)) return 'n/a';
  return a / b < 0.01 ? '< 0.01x' : `${(a / b).toFixed(2)}x`;
}
