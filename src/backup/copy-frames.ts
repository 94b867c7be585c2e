/**
 * Splitting the server's bytes in the PostgreSQL wire protocol so that the data of a
 * `COPY ... TO STDOUT` (the payloads of its CopyData messages: the COPY text, one message per row)
 * goes to a sink in bulk, while every other message (CopyOutResponse, CopyDone, CommandComplete,
 * ReadyForQuery, ErrorResponse, notices, and everything outside a COPY) is passed on untouched to
 * the driver. Pure: no fs, process or network.
 *
 * Every message is a type byte, a 4-byte big-endian length that counts itself, and a body; a
 * message may be split across chunks anywhere, its header included. The framing is followed from
 * the connection's first byte, so a COPY can be diverted at any time without assuming where the
 * next chunk starts.
 */

const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
const ERROR_RESPONSE = 0x45; // 'E'
const HEADER = 5;

/**
 * Receives CopyData payload bytes `[start, end)` of `chunk`, in order (the chunk's bytes do not
 * change; pieces of one chunk come in increasing order). A row's payload may come in several pieces.
 */
export type CopySink = (chunk: Buffer, start: number, end: number) => void;

/** The byte stream was not a valid sequence of messages. */
export class CopyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopyProtocolError';
  }
}

/**
 * Follows the messages of a connection and, while diverting, hands CopyData payloads to the
 * sink. A diversion ends by itself after CopyDone or an ErrorResponse.
 */
export class CopyDataSplitter {
  /** CopyData messages diverted since `divert`: rows, in text format. */
  messages = 0;
  /** Payload bytes handed to the sink since `divert`. */
  bytes = 0;
  private sink: CopySink | null = null;
  private readonly header = Buffer.alloc(HEADER);
  private headerBytes = 0;
  /** Bytes of the current message's body still to come. */
  private bodyLeft = 0;
  /** The current message's body goes to the sink. */
  private toSink = false;
  /** The current message ends the diversion once passed on. */
  private endsCopy = false;

  /** Sends the CopyData payloads from the next message on to `sink`, until CopyDone or an error. */
  divert(sink: CopySink): void {
    this.sink = sink;
    this.messages = 0;
    this.bytes = 0;
  }

  /** Takes one chunk of the server's bytes; returns the pieces to pass on to the driver, in order. */
  split(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    const n = chunk.length;
    let i = 0;
    /** Start of the run of passed-on bytes in this chunk, or -1. */
    let run = -1;
    while (i < n) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, n - i);
        if (this.toSink) {
          this.sink!(chunk, i, i + take);
          this.bytes += take;
        } else if (run < 0) run = i;
        i += take;
        this.bodyLeft -= take;
        if (this.bodyLeft === 0) this.endMessage();
        continue;
      }
      if (this.sink === null && this.headerBytes === 0) {
        // not diverting: pass whole messages on, following their lengths only
        if (n - i < HEADER) {
          if (run >= 0) out.push(chunk.subarray(run, i));
          run = -1;
        } else {
          const length = chunk.readUInt32BE(i + 1);
          if (length < 4) throw new CopyProtocolError(`a message of type ${chunk[i]} has length ${length}`);
          if (run < 0) run = i;
          i += HEADER;
          this.bodyLeft = length - 4;
          this.toSink = false;
          this.endsCopy = false;
          continue;
        }
      }
      let type: number;
      let length: number;
      let headerAt: number;
      if (this.headerBytes === 0 && n - i >= HEADER) {
        type = chunk[i]!;
        length = chunk.readUInt32BE(i + 1);
        headerAt = i;
        i += HEADER;
      } else {
        // a header split across chunks: gather its bytes, pass nothing on until its type is known
        if (run >= 0) {
          out.push(chunk.subarray(run, i));
          run = -1;
        }
        while (this.headerBytes < HEADER && i < n) this.header[this.headerBytes++] = chunk[i++]!;
        if (this.headerBytes < HEADER) break;
        this.headerBytes = 0;
        type = this.header[0]!;
        length = this.header.readUInt32BE(1);
        headerAt = -1;
      }
      if (length < 4) throw new CopyProtocolError(`a message of type ${type} has length ${length}`);
      this.bodyLeft = length - 4;
      this.toSink = this.sink !== null && type === COPY_DATA;
      if (this.toSink) {
        this.messages++;
        if (run >= 0) {
          out.push(chunk.subarray(run, headerAt));
          run = -1;
        }
        continue;
      }
      this.endsCopy = this.sink !== null && (type === COPY_DONE || type === ERROR_RESPONSE);
      if (headerAt < 0) {
        out.push(Buffer.from(this.header));
        run = i;
      } else if (run < 0) run = headerAt;
      if (this.bodyLeft === 0) this.endMessage();
    }
    if (run >= 0 && run < n) out.push(run === 0 ? chunk : chunk.subarray(run, n));
    return out;
  }

  private endMessage(): void {
    if (this.endsCopy) this.sink = null;
    this.endsCopy = false;
    this.toSink = false;
  }
}
