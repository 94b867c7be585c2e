/**
 * A counting TCP proxy in front of PostgreSQL: forwards bytes untouched and counts the frontend
 * protocol messages a client sends, so the benchmark can tell how many round trips a CLI makes
 * (each simple Query, and each extended-protocol Sync, waits for ReadyForQuery).
 */
import net from 'node:net';

/** Message counts of everything that went through the proxy since it started (or `reset`). */
export interface WireCounts {
  /** Simple-protocol queries ('Q'). */
  query: number;
  /** Extended-protocol syncs ('S'): one per parameterised statement round trip. */
  sync: number;
  /** Parse messages ('P'): statements (re)prepared. */
  parse: number;
  /** Client connections accepted. */
  connections: number;
}

/** A running proxy. */
export interface WireProxy {
  port: number;
  counts(): WireCounts;
  reset(): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port forwarding to 127.0.0.1:`targetPort`. */
export async function startWireProxy(targetPort: number): Promise<WireProxy> {
  let counts: WireCounts = { query: 0, sync: 0, parse: 0, connections: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    counts.connections++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let buffer = Buffer.alloc(0);
    let typed = false; // the startup message (and an SSL/GSS request before it) has no type byte
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const header = typed ? 5 : 4;
        if (buffer.length < header) break;
        const length = typed ? buffer.readInt32BE(1) + 1 : buffer.readInt32BE(0);
        if (buffer.length < length) break;
        if (typed) {
          const type = String.fromCharCode(buffer[0]!);
          if (type === 'Q') counts.query++;
          else if (type === 'S') counts.sync++;
          else if (type === 'P') counts.parse++;
        } else if (buffer.readInt32BE(4) === 196608) {
          typed = true; // protocol 3.0 startup; SSLRequest/GSSENCRequest keep us untyped
        }
        buffer = buffer.subarray(length);
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('proxy has no port');
  return {
    port: address.port,
    counts: () => ({ ...counts }),
    reset: () => void (counts = { query: 0, sync: 0, parse: 0, connections: 0 }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
