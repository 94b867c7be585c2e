/**
 * Building table rows and notes from paired samples: ratio rows against a target, absolute rows,
 * and the spread / fastest-run / CPU-time notes every measure reports beside its medians.
 */
import type { Paired, ToolSamples } from './measures.js';
import type { Row } from './report.js';
import { formatMs, formatRatio, median } from './stats.js';

/** A row comparing the median wall time of both sides against a ratio target (smaller is better). */
export function ratioRow(measure: string, paired: Paired, maxRatio: number): Row {
  const d = median(paired.dbctl.ms);
  const k = median(paired.baseline.ms);
  return {
    measure,
    dbctl: paired.dbctl.error ? 'error' : formatMs(d),
    baseline: paired.baseline.error ? 'error' : formatMs(k),
    ratio: formatRatio(d, k),
    target: `<= ${maxRatio}x`,
    pass: paired.dbctl.error || paired.baseline.error ? null : d / k <= maxRatio,
    ...(paired.dbctl.error ? { error: true } : {}),
  };
}

/** A row holding dbctl's median wall time to an absolute limit, with the baseline's time beside it. */
export function limitRow(measure: string, paired: Paired, limitMs: number, baselineShown = true): Row {
  const d = median(paired.dbctl.ms);
  const k = median(paired.baseline.ms);
  return {
    measure,
    dbctl: paired.dbctl.error ? 'error' : formatMs(d),
    baseline: !baselineShown ? '' : paired.baseline.error ? 'error' : formatMs(k),
    ratio: baselineShown ? formatRatio(d, k) : '',
    target: `dbctl <= ${formatMs(limitMs)}`,
    pass: paired.dbctl.error ? null : d <= limitMs,
    ...(paired.dbctl.error ? { error: true } : {}),
  };
}

/** Lowest, median, highest of some samples, e.g. `80 / 84 / 97 ms`. */
export function spread(values: number[], format = formatMs): string {
  return values.length ? `${format(Math.min(...values))} / ${format(median(values))} / ${format(Math.max(...values))}` : 'none';
}

/** `dbctl A, <baseline> B (ratio)` of one statistic, for the notes. */
export function compare(
  paired: Paired,
  baseline: string,
  pick: (s: ToolSamples) => number[],
  stat: (v: number[]) => number,
  format = formatMs,
): string {
  const d = stat(pick(paired.dbctl));
  const k = stat(pick(paired.baseline));
  return `dbctl ${format(d)}, ${baseline} ${format(k)} (${formatRatio(d, k)})`;
}

/** The lowest value (NaN when empty). */
export const fastest = (values: number[]): number => (values.length ? Math.min(...values) : Number.NaN);

/** One measure of a section's notes: its label, its samples and the baseline's name. */
export interface Measured {
  label: string;
  paired: Paired;
  baseline: string;
}

/** The spread, fastest-run and CPU-time notes of some measures. */
export function timingNotes(measures: Measured[]): string[] {
  const withCpu = measures.filter((m) => m.paired.dbctl.cpuMs.length || m.paired.baseline.cpuMs.length);
  return [
    `Wall time spread (min / median / max): ${measures.map((m) => `${m.label} dbctl ${spread(m.paired.dbctl.ms)}, ${m.baseline} ${spread(m.paired.baseline.ms)}`).join('; ')}.`,
    `Fastest run of each (least disturbed by other work on the machine): ${measures.map((m) => `${m.label} ${compare(m.paired, m.baseline, (s) => s.ms, fastest)}`).join('; ')}.`,
    ...(withCpu.length
      ? [
          `CPU time (user + system, median; 10 ms resolution): ${withCpu.map((m) => `${m.label} ${compare(m.paired, m.baseline, (s) => s.cpuMs, median)}`).join('; ')}.`,
        ]
      : []),
  ];
}

/** `Error in 3.1: ...` notes for every side that failed. */
export function errorNotes(measures: Measured[]): string[] {
  return measures
    .flatMap((m) => [
      [m.label, m.paired.dbctl.error],
      [`${m.label} (${m.baseline})`, m.paired.baseline.error],
    ])
    .filter(([, error]) => error)
    .map(([label, error]) => `Error in ${label} \`${String(error).split('\n').join(' ').slice(0, 400)}\``);
}

/** MB/s (1 MB = 2^20 bytes) of moving `bytes` in `ms`. */
export function mbPerSecond(bytes: number, ms: number): number {
  return ms > 0 ? bytes / 2 ** 20 / (ms / 1000) : Number.NaN;
}

/**
 * A row comparing the throughput of both sides (`bytes` over each side's median wall time) against
 * a minimum ratio (larger is better): the cells read `45.2 MB/s (3.31 s)`.
 */
export function throughputRow(measure: string, paired: Paired, bytes: number, minRatio: number): Row {
  const dMs = median(paired.dbctl.ms);
  const kMs = median(paired.baseline.ms);
  const d = mbPerSecond(bytes, dMs);
  const k = mbPerSecond(bytes, kMs);
  const cell = (mbs: number, ms: number) => `${mbs.toFixed(1)} MB/s (${formatMs(ms)})`;
  return {
    measure,
    dbctl: paired.dbctl.error ? 'error' : cell(d, dMs),
    baseline: paired.baseline.error ? 'error' : cell(k, kMs),
    ratio: formatRatio(d, k),
    target: `>= ${minRatio.toFixed(1)}x`,
    pass: paired.dbctl.error || paired.baseline.error ? null : d / k >= minRatio,
    ...(paired.dbctl.error ? { error: true } : {}),
  };
}
