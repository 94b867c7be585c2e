/**
 * Showing backup and restore progress: a cli-progress bar (rows, MB/s) per table on a terminal,
 * one quiet line per table otherwise.
 */
import cliProgress from 'cli-progress';
import type { Output } from '../io/output.js';
import { formatBytes } from './manifest.js';
import type { BackupProgress, ProgressListener } from './types.js';

/** A listener plus a way to take the bar down (on error too). */
export interface ProgressRenderer {
  listener: ProgressListener;
  stop(): void;
}

/** Where a bar may be drawn. */
export interface BarStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
  cursorTo?: unknown;
}

/**
 * Renders progress to `out`: bars on `stream` (default stderr) when the output is a terminal,
 * else a line per finished table. `quiet` prints nothing but the bars.
 */
export function progressRenderer(out: Output, options: { stream?: BarStream; quiet?: boolean } = {}): ProgressRenderer {
  const stream = options.stream ?? process.stderr;
  const bars = out.tty && Boolean(stream.isTTY) && !out.json;
  let bar: cliProgress.SingleBar | null = null;
  let startedAt = 0;
  let expected = 0;

  const stopBar = () => {
    if (bar) {
      bar.stop();
      bar = null;
    }
  };
  const rate = (bytes: number) => {
    const seconds = (Date.now() - startedAt) / 1000;
    return seconds > 0 ? (bytes / 1e6 / seconds).toFixed(1) : '0.0';
  };

  const listener = (event: BackupProgress) => {
    switch (event.type) {
      case 'object-start':
        startedAt = Date.now();
        expected = Math.max(1, event.expectedRows);
        if (bars) {
          bar = new cliProgress.SingleBar(
            {
              stream: stream as NodeJS.WritableStream,
              format: `${event.operation === 'backup' ? 'backing up' : 'restoring'} {name} [{bar}] {percentage}% | {rows} rows | {mb} MB | {rate} MB/s`,
              hideCursor: true,
              clearOnComplete: true,
              barsize: 24,
              fps: 8,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(expected, 0, { name: event.name, rows: '0', mb: '0.0', rate: '0.0' });
        }
        break;
      case 'object-progress':
        if (bar) {
          if (event.rows > expected) {
            expected = Math.round(event.rows * 1.1);
            bar.setTotal(expected);
          }
          bar.update(event.rows, {
            name: event.name,
            rows: event.rows.toLocaleString('en-US'),
            mb: (event.bytes / 1e6).toFixed(1),
            rate: rate(event.bytes),
          });
        }
        break;
      case 'object-done': {
        stopBar();
        if (!options.quiet) {
          const seconds = event.ms / 1000;
          const verb = event.operation === 'backup' ? 'backed up' : 'restored';
          out.info(
            `  ${verb} ${event.name}: ${event.rows.toLocaleString('en-US')} rows, ${formatBytes(event.bytes)} in ${seconds.toFixed(1)}s`,
          );
        }
        break;
      }
      case 'verify':
      case 'start':
      case 'done':
        break;
    }
  };
  return { listener, stop: stopBar };
}
