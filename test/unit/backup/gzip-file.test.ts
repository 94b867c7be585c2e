import { afterEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BackupWriteError, GzipFileWriter, type WriterFlow } from '../../../src/backup/gzip-file.js';

let dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  dirs = [];
});

async function tempFile(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dbctl-gzip-'));
  dirs.push(dir);
  return path.join(dir, 'data.copy.gz');
}

/** A flow that records what the writer asked for. */
function recorder(): WriterFlow & { pauses: number; resumes: number; failures: unknown[] } {
  const flow = {
    pauses: 0,
    resumes: 0,
    failures: [] as unknown[],
    pause: () => void flow.pauses++,
    resume: () => void flow.resumes++,
    fail: (error: unknown) => void flow.failures.push(error),
  };
  return flow;
}

/** COPY-like text: `count` rows of an id, a hash (incompressible-ish) and a repetitive part. */
function text(count: number, repetitive: boolean): Buffer {
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const hash = createHash('md5').update(String(i)).digest('hex').slice(0, 16);
    rows.push(repetitive ? `${i}\tuser${i}@example.com\t2024-01-01 00:00:${String(i % 60).padStart(2, '0')}+00\n` : `${i}\t${hash}\n`);
  }
  return Buffer.from(rows.join(''));
}

describe('GzipFileWriter', () => {
  it('writes pieces of chunks (as the copy connection hands them over) into a gzip file that reads back as the same text', async () => {
    for (const repetitive of [false, true]) {
      const file = await tempFile();
      const handle = await open(file, 'wx+', 0o600);
      const data = text(150_000, repetitive);
      const flow = recorder();
      const writer = new GzipFileWriter(handle, file, flow);
      // chunks of ~64 kB with 5 unused bytes between pieces (the messages' headers), as a socket gives them
      for (let at = 0; at < data.length;) {
        const rows = Math.min(data.length - at, 40_000 + Math.floor(Math.random() * 30_000));
        const pieces: [number, number][] = [];
        const parts: Buffer[] = [];
        let offset = 0;
        for (let from = at; from < at + rows;) {
          const size = Math.min(at + rows - from, 1 + Math.floor(Math.random() * 60));
          parts.push(Buffer.alloc(5, 0x64), data.subarray(from, from + size));
          pieces.push([offset + 5, offset + 5 + size]);
          offset += 5 + size;
          from += size;
        }
        const chunk = Buffer.concat(parts);
        for (const [start, end] of pieces) writer.write(chunk, start, end);
        at += rows;
      }
      const result = await writer.finish();
      await handle.close();
      const written = await readFile(file);
      expect(gunzipSync(written).equals(data)).toBe(true);
      expect(result).toMatchObject({
        rawBytes: data.length,
        bytes: written.length,
        readBack: { identical: true, rows: 150_000, rawBytes: data.length },
      });
      expect(result.sha256).toBe(createHash('sha256').update(written).digest('hex'));
      expect(flow.failures).toEqual([]);
      expect(flow.resumes).toBe(flow.pauses);
    }
  });

  it('takes whole chunks (a row each, from postgres.js), rows longer than a batch included', async () => {
    const file = await tempFile();
    const handle = await open(file, 'wx+', 0o600);
    const rows = [Buffer.from('1\tshort\n'), Buffer.from(`2\t${randomBytes(1_500_000).toString('hex')}\n`), Buffer.from('3\t\\N\n')];
    const writer = new GzipFileWriter(handle, file, recorder());
    for (const row of rows) writer.write(row);
    const result = await writer.finish();
    await handle.close();
    expect(gunzipSync(await readFile(file)).equals(Buffer.concat(rows))).toBe(true);
    expect(result.readBack).toEqual({ identical: true, rows: 3, rawBytes: Buffer.concat(rows).length });
  });

  it('writes a valid empty gzip file when there are no rows', async () => {
    const file = await tempFile();
    const handle = await open(file, 'wx+', 0o600);
    const result = await new GzipFileWriter(handle, file, recorder()).finish();
    await handle.close();
    expect(gunzipSync(await readFile(file)).length).toBe(0);
    expect(result).toMatchObject({ rawBytes: 0, readBack: { identical: true, rows: 0, rawBytes: 0 } });
  });

  it('reports a failed write once, as a BackupWriteError', async () => {
    const file = await tempFile();
    await (await open(file, 'w')).close();
    const handle = await open(file, 'r'); // read-only: every write fails
    const flow = recorder();
    const writer = new GzipFileWriter(handle, file, flow);
    writer.write(text(100_000, false));
    await expect(writer.finish()).rejects.toBeDefined();
    await handle.close();
    expect(flow.failures).toHaveLength(1);
    expect(flow.failures[0]).toBeInstanceOf(BackupWriteError);
  });
});
