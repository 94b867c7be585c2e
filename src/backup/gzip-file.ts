/**
 * A backup data file written as a series of gzip members, streaming: COPY text is packed into
 * 1 MiB batches, each compressed on libuv's thread pool as its own member (a file of concatenated
 * members is a valid gzip file, read back by any gunzip), two at a time, so compression runs in
 * parallel with receiving rows; members are written in order. While more batches wait, the source
 * is paused (the server waits too).
 *
 * Verification is pipelined behind the writes: every member is read back from the file once
 * written, compared byte for byte with what was written (still in memory), decompressed on the
 * thread pool (which checks its CRC) and its rows counted, while the COPY goes on. The caller
 * compares the read-back facts with what was sent.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { constants, gunzip, gzip, type ZlibOptions } from 'node:zlib';
import { countNewlines } from './verify.js';

const BATCH_BYTES = 1 << 20;
/**
 * Batches compressing at once. Two keep up with the COPY here (the server uses the other core);
 * more raise peak memory (each zlib job's buffers) without raising throughput.
 */
const MAX_IN_FLIGHT = 2;
/** Members written but not yet read back (each is kept in memory until compared). */
const MAX_UNREAD = 4;
/** Every this many batches, both compressions are tried on a batch and the better one kept. */
const PROBE_EVERY = 32;
/**
 * Huffman-only coding is kept while its output is at most this much larger than level 1's. It
 * compresses ~2x faster, and on data with few repeated strings (hashes, ids, tokens, numbers:
 * typical of a single column) its output is as small.
 */
const HUFFMAN_SLACK = 1.03;

/** What was written and read back. */
export interface GzipFileResult {
  /** Bytes of COPY text. */
  rawBytes: number;
  /** Bytes of the compressed file. */
  bytes: number;
  /** sha256 of the bytes written. */
  sha256: string;
  /** The file read back: whether its bytes are those written, rows and bytes once decompressed. */
  readBack: { identical: boolean; rows: number; rawBytes: number };
}

/** An error about the backup file itself (not the database side), naming the file. */
abstract class BackupFileError extends Error {
  constructor(
    readonly file: string,
    override readonly cause: unknown,
  ) {
    super((cause as Error)?.message ?? String(cause));
  }
}

/** Where a write to the backup file failed (vs. the database side). */
export class BackupWriteError extends BackupFileError {
  override name = 'BackupWriteError';
}

/** Reading a member back from the file failed (unreadable, or not valid gzip). */
export class ReadBackError extends BackupFileError {
  override name = 'ReadBackError';
}

/** What the writer asks of the COPY feeding it. */
export interface WriterFlow {
  pause(): void;
  resume(): void;
  /** The writer failed (write, compression or read-back); called once. */
  fail(error: unknown): void;
}

type Strategy = 'deflate' | 'huffman';

const LEVEL_1: ZlibOptions = { level: 1, memLevel: 9, chunkSize: BATCH_BYTES };
const HUFFMAN: ZlibOptions = { level: 1, memLevel: 9, chunkSize: BATCH_BYTES, strategy: constants.Z_HUFFMAN_ONLY };

function compress(data: Buffer, options: ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => gzip(data, options, (error, result) => (error ? reject(error) : resolve(result))));
}

function decompress(data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    gunzip(data, { chunkSize: BATCH_BYTES }, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

/**
 * Compresses one batch as a gzip member at level 1 (level 6 costs ~1.3x the CPU for ~1% smaller
 * files), Huffman-only while that is as small; probing batches try both.
 */
async function compressBatch(data: Buffer, probe: boolean, strategy: Strategy): Promise<{ out: Buffer; strategy: Strategy }> {
  if (!probe) return { out: await compress(data, strategy === 'huffman' ? HUFFMAN : LEVEL_1), strategy };
  const [deflated, huffman] = await Promise.all([compress(data, LEVEL_1), compress(data, HUFFMAN)]);
  return huffman.length <= deflated.length * HUFFMAN_SLACK ? { out: huffman, strategy: 'huffman' } : { out: deflated, strategy: 'deflate' };
}

/** Writes COPY text to an open, empty file as gzip members and reads each back. */
export class GzipFileWriter {
  /** True once anything failed; further input is ignored. */
  failed = false;
  private readonly hash = createHash('sha256');
  private readonly spare: Buffer[] = [];
  private batch: Buffer = Buffer.allocUnsafe(BATCH_BYTES);
  private used = 0;
  /** The chunk whose bytes `[stagedFrom, stagedTo)` are copied into the batch at `stagedAt`. */
  private staged: Buffer | null = null;
  private stagedFrom = 0;
  private stagedTo = 0;
  private stagedAt = 0;
  private rawBytes = 0;
  private bytes = 0;
  private backIdentical = true;
  private backRows = 0;
  private backRaw = 0;
  private position = 0;
  private batches = 0;
  private inFlight = 0;
  private unread = 0;
  private paused = false;
  private strategy: Strategy = 'deflate';
  private readBuffer: Buffer = Buffer.alloc(0);
  private writes: Promise<void> = Promise.resolve();
  private reads: Promise<void> = Promise.resolve();

  constructor(
    private readonly handle: FileHandle,
    private readonly file: string,
    private readonly flow: WriterFlow,
    private readonly onBatch?: (rawBytes: number) => void,
  ) {}

  /**
   * Appends bytes `[start, end)` of `chunk` (COPY text; a row may be split across calls). Pieces
   * of one chunk must come in order: the rest of the chunk is copied into the batch once, and each
   * piece then moved into place within the batch (a memmove, not a copy through JavaScript).
   */
  write(chunk: Buffer, start = 0, end = chunk.length): void {
    if (this.failed) return;
    this.rawBytes += end - start;
    while (start < end) {
      if (chunk === this.staged && start >= this.stagedFrom && start < this.stagedTo) {
        const stop = Math.min(end, this.stagedTo);
        const at = this.stagedAt + (start - this.stagedFrom);
        if (at !== this.used) this.batch.copyWithin(this.used, at, at + (stop - start));
        this.used += stop - start;
        start = stop;
        continue;
      }
      const room = this.batch.length - this.used;
      if (room === 0) {
        this.flush();
        continue;
      }
      const to = Math.min(chunk.length, start + room);
      chunk.copy(this.batch, this.used, start, to);
      this.staged = chunk;
      this.stagedFrom = start;
      this.stagedTo = to;
      this.stagedAt = this.used;
    }
  }

  /** Writes the last batch, then waits for every write and read-back. Rejects with the first failure. */
  async finish(): Promise<GzipFileResult> {
    if (this.failed) throw new Error('the backup file writer failed');
    // no data at all: still write one (empty) member, so the file is valid gzip
    this.flush(this.rawBytes === 0);
    await this.writes;
    await this.reads;
    return {
      rawBytes: this.rawBytes,
      bytes: this.bytes,
      sha256: this.hash.digest('hex'),
      readBack: { identical: this.backIdentical, rows: this.backRows, rawBytes: this.backRaw },
    };
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.flow.fail(error);
  }

  /** Compresses the current batch and queues its write (and read-back). */
  private flush(force = false): void {
    if (this.used === 0 && !force) return;
    const full = this.batch;
    const data = full.subarray(0, this.used);
    this.batch = this.spare.pop() ?? Buffer.allocUnsafe(BATCH_BYTES);
    this.used = 0;
    this.staged = null;
    const probe = this.batches++ % PROBE_EVERY === 0;
    const compressed = compressBatch(data, probe, this.strategy);
    // the batch buffer is reused once compressed (fewer large allocations, steadier memory)
    compressed.then(
      (result) => {
        if (probe) this.strategy = result.strategy;
        if (full.length === BATCH_BYTES && this.spare.length < MAX_IN_FLIGHT) this.spare.push(full);
      },
      () => {},
    );
    this.inFlight++;
    this.updateFlow();
    this.writes = this.writes.then(async () => {
      if (this.failed) return;
      const { out } = await compressed;
      this.hash.update(out);
      try {
        await writeAll(this.handle, out, this.position);
      } catch (error) {
        throw new BackupWriteError(this.file, error);
      }
      this.readBack(this.position, out);
      this.position += out.length;
      this.bytes += out.length;
      this.inFlight--;
      this.updateFlow();
    });
    this.writes.catch((error: unknown) => this.fail(error));
    this.onBatch?.(this.rawBytes);
  }

  /** Pauses the source while too many batches wait to be compressed and written, or members to be read back. */
  private updateFlow(): void {
    const busy = this.inFlight >= MAX_IN_FLIGHT || this.unread >= MAX_UNREAD;
    if (busy && !this.paused) {
      this.paused = true;
      this.flow.pause();
    } else if (!busy && this.paused && !this.failed) {
      this.paused = false;
      this.flow.resume();
    }
  }

  /** Reads a written member back (after the reads before it), comparing and decompressing it. */
  private readBack(at: number, written: Buffer): void {
    const length = written.length;
    this.unread++;
    this.reads = this.reads.then(async () => {
      if (this.failed) return;
      try {
        if (this.readBuffer.length < length) this.readBuffer = Buffer.allocUnsafe(Math.max(length, BATCH_BYTES));
        // one read-back at a time: the buffer is free again once the member is decompressed
        const member = this.readBuffer.subarray(0, length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await this.handle.read(member, done, length - done, at + done);
          if (bytesRead === 0) throw new Error('the file is shorter than what was written');
          done += bytesRead;
        }
        if (!member.equals(written)) this.backIdentical = false;
        const text = await decompress(member);
        this.backRows += countNewlines(text);
        this.backRaw += text.length;
      } catch (error) {
        throw new ReadBackError(this.file, error);
      }
      this.unread--;
      this.updateFlow();
    });
    this.reads.catch((error: unknown) => this.fail(error));
  }
}

async function writeAll(handle: FileHandle, data: Buffer, at: number): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset, at + offset);
    if (bytesWritten <= 0) throw Object.assign(new Error('no bytes written'), { code: 'EIO' });
    offset += bytesWritten;
  }
}
