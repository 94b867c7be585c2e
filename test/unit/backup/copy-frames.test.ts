import { describe, expect, it } from 'vitest';
import { CopyDataSplitter, CopyProtocolError } from '../../../src/backup/copy-frames.js';

/** One protocol message: type byte, length (counting itself), body. */
function message(type: string, body: Buffer | string = ''): Buffer {
  const data = typeof body === 'string' ? Buffer.from(body) : body;
  const header = Buffer.alloc(5);
  header[0] = type.charCodeAt(0);
  header.writeUInt32BE(data.length + 4, 1);
  return Buffer.concat([header, data]);
}

/** A deterministic pseudo-random generator (xorshift), so failures repeat. */
function random(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Cuts a buffer into chunks of random sizes (1 byte up to `max`). */
function chunked(data: Buffer, next: () => number, max: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length;) {
    const size = 1 + Math.floor(next() * max);
    // a copy, as a socket hands over fresh buffers
    chunks.push(Buffer.from(data.subarray(at, at + size)));
    at += size;
  }
  return chunks;
}

/** Runs chunks through a splitter, diverting before the first chunk; returns what went where. */
function run(splitter: CopyDataSplitter, chunks: Buffer[], divertAt = 0): { sunk: Buffer; passed: Buffer } {
  const sunk: Buffer[] = [];
  const passed: Buffer[] = [];
  chunks.forEach((chunk, index) => {
    if (index === divertAt) splitter.divert((c, start, end) => sunk.push(Buffer.from(c.subarray(start, end))));
    passed.push(...splitter.split(chunk));
  });
  return { sunk: Buffer.concat(sunk), passed: Buffer.concat(passed) };
}

const rows = (count: number, next: () => number): string[] =>
  Array.from({ length: count }, (_, i) => `${i}\t${'x'.repeat(Math.floor(next() * 40))}\t${i % 7 === 0 ? '\\N' : 'ünïcode'}\n`);

describe('CopyDataSplitter', () => {
  it('sends the COPY text to the sink and passes every other message on, however the bytes are chunked', () => {
    const next = random(42);
    const text = rows(500, next);
    const before = Buffer.concat([message('C', 'BEGIN\0'), message('Z', 'T')]);
    const copyOut = message('H', Buffer.from([0, 0, 2, 0, 0, 0, 0]));
    const notice = message('N', 'Snotice\0\0');
    const after = Buffer.concat([message('c'), message('C', 'COPY 500\0'), message('Z', 'T')]);
    const data = text.map((row, i) => (i === 250 ? Buffer.concat([notice, message('d', row)]) : message('d', row)));
    const stream = Buffer.concat([copyOut, ...data, after]);
    for (const max of [1, 3, 7, 64, 4096, 1 << 20]) {
      const splitter = new CopyDataSplitter();
      // the connection's earlier messages pass through untouched (no diversion yet)
      expect(Buffer.concat(chunked(before, next, max).flatMap((c) => splitter.split(c))).equals(before)).toBe(true);
      const { sunk, passed } = run(splitter, chunked(stream, next, max));
      expect(sunk.toString()).toBe(text.join(''));
      expect(passed.equals(Buffer.concat([copyOut, notice, after]))).toBe(true);
      expect(splitter.messages).toBe(500);
      expect(splitter.bytes).toBe(Buffer.byteLength(text.join('')));
    }
  });

  it('ends the diversion at CopyDone: a later COPY is passed on unless diverted again', () => {
    const first = Buffer.concat([
      message('H', Buffer.alloc(3)),
      message('d', 'a\n'),
      message('c'),
      message('C', 'COPY 1\0'),
      message('Z', 'T'),
    ]);
    const second = Buffer.concat([
      message('H', Buffer.alloc(3)),
      message('d', 'b\n'),
      message('c'),
      message('C', 'COPY 1\0'),
      message('Z', 'T'),
    ]);
    const splitter = new CopyDataSplitter();
    const { sunk, passed } = run(splitter, [Buffer.concat([first, second.subarray(0, 9)]), second.subarray(9)]);
    expect(sunk.toString()).toBe('a\n');
    expect(passed.equals(Buffer.concat([first.subarray(0, 8), first.subarray(15), second]))).toBe(true);
  });

  it('ends the diversion at an ErrorResponse, which is passed on', () => {
    const error = message('E', 'SERROR\0C57014\0Mcanceling statement\0\0');
    const stream = Buffer.concat([
      message('H', Buffer.alloc(3)),
      message('d', '1\n'),
      error,
      message('Z', 'I'),
      message('d', 'not copy data\n'),
    ]);
    const splitter = new CopyDataSplitter();
    const { sunk, passed } = run(splitter, chunked(stream, random(7), 5));
    expect(sunk.toString()).toBe('1\n');
    expect(passed.equals(Buffer.concat([message('H', Buffer.alloc(3)), error, message('Z', 'I'), message('d', 'not copy data\n')]))).toBe(
      true,
    );
  });

  it('diverts from the next message when diverted in the middle of one', () => {
    const tail = message('Z', 'I');
    const stream = Buffer.concat([tail, message('H', Buffer.alloc(3)), message('d', 'r\n'), message('c')]);
    // the ReadyForQuery of the previous query is split (in its header or before its body); the diversion starts while it is half read
    for (const cut of [1, 3, 5]) {
      const splitter = new CopyDataSplitter();
      const { sunk, passed } = run(splitter, [stream.subarray(0, cut), stream.subarray(cut)], 1);
      expect(sunk.toString()).toBe('r\n');
      expect(passed.equals(Buffer.concat([tail, message('H', Buffer.alloc(3)), message('c')]))).toBe(true);
    }
  });

  it('keeps large rows whole across many chunks', () => {
    const big = `${'y'.repeat(3_000_000)}\n`;
    const stream = Buffer.concat([message('H', Buffer.alloc(3)), message('d', big), message('d', 'small\n'), message('c')]);
    const splitter = new CopyDataSplitter();
    const { sunk } = run(splitter, chunked(stream, random(3), 65536));
    expect(sunk.toString()).toBe(`${big}small\n`);
    expect(splitter.messages).toBe(2);
  });

  it('rejects a message whose length is impossible', () => {
    const bad = Buffer.from([0x64, 0, 0, 0, 2]);
    const splitter = new CopyDataSplitter();
    splitter.divert(() => {});
    expect(() => splitter.split(bad)).toThrow(CopyProtocolError);
    expect(() => new CopyDataSplitter().split(bad)).toThrow(CopyProtocolError);
  });
});
