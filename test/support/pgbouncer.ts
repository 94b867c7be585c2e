/**
 * A real PgBouncer (the Debian package `pgbouncer`) in front of the test PostgreSQL: started on
 * 127.0.0.1 on a free port with a generated ini and auth file in a temp dir, in transaction or
 * session pool mode, optionally requiring TLS from clients (self-signed cert made with openssl).
 * PgBouncer refuses to run as root, so as root it runs as the `postgres` OS user (or `nobody`).
 *
 * Never skipped: a missing binary fails with a message saying how to install it (`npm test` installs it first where it can: scripts/ensure-pgbouncer.mjs).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './embedded.js';

/** How the pooler is set up. */
export interface PgBouncerOptions {
  /** The superuser url of the server behind it (default: the harness's admin url). */
  serverUrl?: string;
  poolMode: 'transaction' | 'session';
  /** Server connections per user/database pair (default 5). */
  poolSize?: number;
  /** Require TLS from clients (a self-signed certificate is generated). */
  requireTls?: boolean;
}

/** A running PgBouncer the caller must stop. */
export interface RunningPgBouncer {
  port: number;
  /** The pid of the pgbouncer process (kill it to drop every connection at once). */
  pid: number;
  /** `url` with its host and port replaced by the pooler's (same user, password, database). */
  urlFor(url: string): string;
  /** SIGKILLs pgbouncer: every client and server connection drops at once. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const CANDIDATE_BINARIES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer', '/usr/local/sbin/pgbouncer'];

/** The pgbouncer executable, or a clear error saying how to get it. */
export function pgbouncerBinary(): string {
  const fromEnv = process.env.DBCTL_TEST_PGBOUNCER;
  if (fromEnv) return fromEnv;
  for (const candidate of CANDIDATE_BINARIES) if (existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', 'command -v pgbouncer'], { encoding: 'utf8' }).trim() || missing();
  } catch {
    return missing();
  }
}

function missing(): never {
  throw new Error(
    'pgbouncer is not installed: the pooler tests need a real PgBouncer (Debian/Ubuntu: `apt-get install -y pgbouncer`; `npm test` installs it where it can). ' +
      'Set DBCTL_TEST_PGBOUNCER to its path if it lives elsewhere.',
  );
}

/** The OS user pgbouncer runs as when we are root (it refuses to run as root). */
function unprivilegedUser(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    try {
      execFileSync('id', ['-u', user], { stdio: 'ignore' });
      return user;
    } catch {
      // try the next
    }
  }
  throw new Error('running as root and neither a `postgres` nor a `nobody` OS user exists to run pgbouncer as');
}

/** Starts PgBouncer in front of the test server. */
export async function startPgBouncer(options: PgBouncerOptions): Promise<RunningPgBouncer> {
  const binary = pgbouncerBinary();
  const serverUrl = new URL(options.serverUrl ?? process.env.DBCTL_TEST_ADMIN_URL ?? failNoServer());
  const user = decodeURIComponent(serverUrl.username);
  const password = decodeURIComponent(serverUrl.password);
  const port = await freePort();
  // under os.tmpdir() with permissive modes: the repository may live in a 0700 directory
  const dir = await mkdtemp(path.join(tmpdir(), 'dbctl-pgbouncer-'));
  await chmod(dir, 0o755);
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  await writeFile(path.join(dir, 'users.txt'), `${quote(user)} ${quote(password)}\n`, { mode: 0o644 });
  let tls = '';
  if (options.requireTls) {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    await chmod(path.join(dir, 'key.pem'), 0o644);
    tls = `client_tls_sslmode = require\nclient_tls_key_file = ${path.join(dir, 'key.pem')}\nclient_tls_cert_file = ${path.join(dir, 'cert.pem')}\n`;
  }
  const ini = `[databases]
* = host=${serverUrl.hostname} port=${serverUrl.port || 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = ${path.join(dir, 'users.txt')}
pool_mode = ${options.poolMode}
default_pool_size = ${options.poolSize ?? 5}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 500
max_db_connections = 0
server_lifetime = 3600
server_idle_timeout = 600
query_wait_timeout = 120
logfile = ${path.join(dir, 'pgbouncer.log')}
pidfile =
admin_users = ${user}
ignore_startup_parameters = extra_float_digits
${tls}`;
  const iniPath = path.join(dir, 'pgbouncer.ini');
  await writeFile(iniPath, ini, { mode: 0o644 });
  const runAs = unprivilegedUser();
  if (runAs) {
    // pgbouncer writes its log in the directory: hand it to the user it runs as
    const uid = Number(execFileSync('id', ['-u', runAs], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', runAs], { encoding: 'utf8' }).trim());
    await chown(dir, uid, gid);
  }
  const child: ChildProcess = runAs
    ? spawn('setpriv', ['--reuid', runAs, '--regid', runAs, '--init-groups', '--', binary, iniPath], {
        stdio: ['ignore', 'ignore', 'pipe'],
      })
    : spawn(binary, [iniPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (dead || Date.now() > deadline) {
      child.kill('SIGKILL');
      const log = await import('node:fs/promises').then((fs) => fs.readFile(path.join(dir, 'pgbouncer.log'), 'utf8').catch(() => ''));
      await rm(dir, { recursive: true, force: true });
      throw new Error(
        `pgbouncer did not start (${binary}${runAs ? ` as ${runAs}` : ''}): ${(stderr + log).trim().split('\n').slice(-5).join(' | ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // a test process that dies without stopping it must not leave a pgbouncer behind
  const reap = () => {
    if (!dead) child.kill('SIGKILL');
  };
  process.once('exit', reap);
  let stopped: Promise<void> | undefined;
  const terminate = (signal: NodeJS.Signals) =>
    (stopped ??= (async () => {
      process.removeListener('exit', reap);
      if (!dead) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    })());
  return {
    port,
    pid: child.pid!,
    urlFor(url: string) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    kill: () => terminate('SIGKILL'),
    // SIGTERM: PgBouncer's immediate shutdown (SIGINT would wait for clients to finish)
    stop: () => terminate('SIGTERM'),
  };
}

function failNoServer(): never {
  throw new Error('startPgBouncer: no server url (run under the vitest global setup, which sets DBCTL_TEST_ADMIN_URL)');
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
