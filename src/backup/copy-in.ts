/**
 * `COPY ... FROM STDIN` from a compressed backup file, streaming: file → gunzip → the server. The
 * file's sha256 is checked while it streams; a mismatch fails the copy (and the transaction).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type postgres from 'postgres';

/** Thrown when the file does not have the checksum its manifest records. */
export class ChecksumMismatchError extends Error {
  constructor(readonly file: string) {
    super(`${file} does not match the sha256 in its manifest (the file was changed or damaged)`);
    this.name = 'ChecksumMismatchError';
  }
}

/** The server rejected the data after the last chunk was sent; its own message is not available. */
export class CopyRejectedError extends Error {
  constructor(readonly detail: string) {
    super(`the server rejected the data (${detail})`);
    this.name = 'CopyRejectedError';
  }
}

/**
 * Loads `file` with `copySql` (a `COPY ... FROM STDIN`) on `sql`, which must be a transaction
 * (a failure aborts it). `onBytes` reports decompressed bytes sent so far.
 */
export async function copyInFromFile(
  sql: postgres.TransactionSql,
  copySql: string,
  file: string,
  expectedSha256: string | null,
  onBytes?: (bytes: number) => void,
): Promise<void> {
  const writable = (await sql.unsafe(copySql).writable()) as Writable;
  // postgres.js resolves a COPY FROM's stream 'finish' on the server's CommandComplete. When the
  // server rejects the data after the last chunk was sent (CopyDone already written), it drops the
  // stream and 'finish' never comes. A query queued right after CopyDone settles either way: it
  // succeeds after a good COPY, and fails (transaction aborted) after a rejected one.
  let settle: Promise<unknown> | null = null;
  let settleReady: (box: { query: Promise<unknown> }) => void = () => {};
  const settled = new Promise<{ query: Promise<unknown> }>((resolve) => (settleReady = resolve));
  const internal = writable as Writable & { _final?: (callback: (error?: Error | null) => void) => void };
  const originalFinal = internal._final;
  if (typeof originalFinal === 'function') {
    internal._final = function (callback) {
      originalFinal.call(this, callback);
      settle = Promise.resolve(sql`select 1 as copied`);
      settle.catch(() => {});
      settleReady({ query: settle });
    };
  }
  const hash = createHash('sha256');
  let sent = 0;
  const copied = pipeline(
    createReadStream(file, { highWaterMark: 1 << 20 }),
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    }),
    createGunzip({ chunkSize: 1 << 20 }),
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        sent += chunk.length;
        onBytes?.(sent);
        callback(null, chunk);
      },
      flush(callback) {
        // the whole file was read: check it before the COPY is completed
        if (expectedSha256 !== null && hash.digest('hex') !== expectedSha256) callback(new ChecksumMismatchError(file));
        else callback();
      },
    }),
    writable,
  );
  copied.catch(() => {});
  await Promise.race([
    copied.then(() => settle ?? Promise.resolve()),
    settled.then((box) =>
      box.query.then(
        () => copied,
        (error: unknown) => {
          throw new CopyRejectedError((error as Error)?.message ?? String(error));
        },
      ),
    ),
  ]);
}
