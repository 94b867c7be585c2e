/**
 * `COPY ... TO STDOUT` into a compressed file, streaming: never a whole table in memory.
 *
 * The COPY runs on the backup's copy connection when there is one (its text reaches the file's
 * batches in bulk, see copy-connection.ts), else on the backup transaction itself through
 * postgres.js, which yields one chunk per row. Either way the text goes to a GzipFileWriter
 * (batches compressed as gzip members, written in order, each read back and checked as it goes).
 */
import { open, type FileHandle } from 'node:fs/promises';
import type postgres from 'postgres';
import type { CopyConnection, DivertedCopy } from './copy-connection.js';
import { BackupWriteError, GzipFileWriter, type GzipFileResult } from './gzip-file.js';

/** What was sent, written, and read back. */
export interface CopyOutResult {
  /** Rows COPY sent (one CopyData message per row). */
  rows: number;
  /** Bytes of COPY text. */
  rawBytes: number;
  /** Bytes of the compressed file. */
  bytes: number;
  /** sha256 of the bytes written. */
  sha256: string;
  /** The file read back: whether its bytes are those written, rows and bytes once decompressed, its size. */
  readBack: { identical: boolean; rows: number; rawBytes: number; size: number };
}

/** Where the COPY runs: the backup transaction, and the copy connection beside it if one is open. */
export interface CopySource {
  tx: postgres.Sql | postgres.TransactionSql;
  connection: CopyConnection | null;
}

/**
 * Runs `copySql` (a `COPY ... TO STDOUT`) and writes its rows, gzip-compressed, to a new file
 * `file` (mode 0600, must not exist), reading every member back as it goes. The file is fsynced
 * before this resolves. When it fails on the copy connection, that connection is closed.
 */
export async function copyOutToFile(
  source: CopySource,
  copySql: string,
  file: string,
  onProgress?: (rows: number, rawBytes: number) => void,
): Promise<CopyOutResult> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'wx+', 0o600);
  } catch (error) {
    throw new BackupWriteError(file, error);
  }
  try {
    const sent = source.connection
      ? await copyThroughConnection(source.connection, copySql, handle, file, onProgress)
      : await copyThroughDriver(source.tx, copySql, handle, file, onProgress);
    let size: number;
    try {
      await handle.sync();
      size = (await handle.stat()).size;
    } catch (error) {
      throw new BackupWriteError(file, error);
    }
    return { ...sent, readBack: { ...sent.readBack, size } };
  } finally {
    await handle.close().catch(() => {});
  }
}

type Sent = GzipFileResult & { rows: number };

/** The COPY on the copy connection: its text arrives in bulk; a failure closes the connection. */
async function copyThroughConnection(
  connection: CopyConnection,
  copySql: string,
  handle: FileHandle,
  file: string,
  onProgress?: (rows: number, rawBytes: number) => void,
): Promise<Sent> {
  let reject: (error: unknown) => void = () => {};
  const failed = new Promise<never>((_, r) => (reject = r));
  failed.catch(() => {});
  let copy: DivertedCopy | null = null;
  const writer = new GzipFileWriter(
    handle,
    file,
    {
      pause: () => copy?.flow.pause(),
      resume: () => copy?.flow.resume(),
      fail: (error) => {
        reject(error);
        connection.abort();
      },
    },
    (rawBytes) => onProgress?.(copy?.rows() ?? 0, rawBytes),
  );
  copy = connection.copy(copySql, (chunk, start, end) => writer.write(chunk, start, end));
  copy.done.catch(() => {});
  try {
    // a failure of the writer comes first: it is why the COPY stopped
    const { rows } = await Promise.race([failed, copy.done]);
    const finishing = writer.finish();
    finishing.catch(() => {});
    const written = await Promise.race([failed, finishing]);
    return { ...written, rows };
  } catch (error) {
    connection.abort();
    throw error;
  }
}

/**
 * The COPY on the backup transaction through postgres.js (one chunk per row). A failure cancels
 * the COPY and drains what is still in flight, so the transaction can be rolled back.
 */
async function copyThroughDriver(
  sql: postgres.Sql | postgres.TransactionSql,
  copySql: string,
  handle: FileHandle,
  file: string,
  onProgress?: (rows: number, rawBytes: number) => void,
): Promise<Sent> {
  const query = sql.unsafe(copySql);
  const readable = await query.readable();
  return await new Promise<Sent>((resolve, reject) => {
    let rows = 0;
    let failed = false;
    let ended = false;

    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      // stop the server sending (cancel the COPY) and drain what is still in flight; only once the
      // COPY has ended is the connection usable again (for the transaction's rollback)
      readable.removeAllListeners('data');
      readable.on('data', () => {});
      readable.on('error', () => {});
      if (ended || readable.destroyed) {
        resumeSocket(readable);
        reject(error);
        return;
      }
      readable.once('close', () => reject(error));
      readable.once('end', () => reject(error));
      readable.once('error', () => reject(error));
      void Promise.resolve(query.cancel()).catch(() => {});
      readable.resume();
    };

    const writer = new GzipFileWriter(handle, file, { pause: () => readable.pause(), resume: () => readable.resume(), fail }, (rawBytes) =>
      onProgress?.(rows, rawBytes),
    );
    readable.on('data', (chunk: Buffer) => {
      rows++;
      writer.write(chunk);
    });
    readable.on('error', fail);
    readable.on('end', () => {
      ended = true;
      resumeSocket(readable);
      if (failed) return;
      writer.finish().then((written) => {
        if (!failed) resolve({ ...written, rows });
      }, fail);
    });
  });
}

/**
 * postgres.js pauses its socket when a COPY stream's buffer fills before anyone reads it (rows
 * that arrive before the listener is attached) and resumes it only from the stream's `_read`,
 * which Node never calls again once the stream has ended: the connection would then never read
 * another reply (the transaction's COMMIT hangs). Its `_read` only resumes the socket.
 */
function resumeSocket(readable: NodeJS.ReadableStream): void {
  (readable as unknown as { _read?: (size: number) => void })._read?.(0);
}
