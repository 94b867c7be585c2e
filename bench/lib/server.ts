/**
 * The PostgreSQL server both CLIs run against: an embedded PostgreSQL 15 (the test harness's
 * helper) in a temporary directory, with an admin connection to create fresh databases.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../../test/support/embedded.js';

/** A running server the caller must stop. */
export interface BenchServer {
  /** `SELECT version()`, shortened to e.g. `PostgreSQL 15.14`. */
  version: string;
  /** Creates an empty database and returns its url. */
  createDatabase(name: string): Promise<string>;
  /** Drops a database (terminating its sessions). */
  dropDatabase(name: string): Promise<void>;
  /** The url of an existing database on this server. */
  urlOf(name: string): string;
  stop(): Promise<void>;
}

/** Starts the server (fsync off, as the test harness does; the same for both CLIs). */
export async function startServer(): Promise<BenchServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'dbctl-bench-pg-'));
  const server = await startEmbeddedPostgres(dataDir);
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  const full = (await admin<{ version: string }[]>`select version()`)[0]!.version;
  const urlOf = (name: string) => {
    const url = new URL(server.url);
    url.pathname = `/${name}`;
    return url.toString();
  };
  return {
    version: /^PostgreSQL [\d.]+/.exec(full)?.[0] ?? full,
    urlOf,
    async createDatabase(name) {
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.unsafe(`CREATE DATABASE "${name}"`);
      return urlOf(name);
    },
    async dropDatabase(name) {
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
    async stop() {
      await admin.end({ timeout: 5 });
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
