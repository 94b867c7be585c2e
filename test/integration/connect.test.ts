/**
 * Connection failures are exit 4 with one clear line and never the password; `--wait-for-db`
 * waits for a server that starts late.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adminUrl, createTestDatabase, withDatabase } from '../support/db.js';
import { freePort, startEmbeddedPostgres } from '../support/embedded.js';
import { createProject, type TestProject } from '../support/project.js';

const projects: TestProject[] = [];
afterAll(async () => {
  await Promise.all(projects.map((p) => p.cleanup()));
});

async function projectFor(url: string): Promise<TestProject> {
  const project = await createProject(url);
  projects.push(project);
  await project.addMigration({ name: 'a', sql: ['CREATE TABLE "a" (id int);'] });
  return project;
}

const SECRET = 'S3cr3t-p4ss-w0rd';

function expectNoSecret(...texts: string[]): void {
  for (const text of texts) expect(text).not.toContain(SECRET);
}

describe('connection failures', () => {
  it('exits 4 when nothing listens on the port, naming the environment', async () => {
    const port = await freePort();
    const project = await projectFor(`postgres://app:${SECRET}@127.0.0.1:${port}/app`);
    for (const command of [['migrate'], ['status'], ['resolve', '0000_a', '--applied'], ['migrate', '--json'], ['migrate', '--verbose']]) {
      const run = await project.dbctl(command);
      expect(run.code, command.join(' ')).toBe(4);
      expect(run.stderr).toContain('connection refused');
      expect(run.stderr).toContain('"development"');
      expectNoSecret(run.stdout, run.stderr);
    }
  });

  it('exits 4 on a wrong password or a missing database, never printing the password', async () => {
    const wrong = new URL(adminUrl());
    wrong.password = SECRET;
    const auth = await (await projectFor(wrong.toString())).dbctl(['migrate', '--verbose']);
    expect(auth.code).toBe(4);
    expect(auth.stderr).toContain('authentication failed');
    expectNoSecret(auth.stdout, auth.stderr);

    const missing = await (await projectFor(withDatabase(adminUrl(), 'no_such_database'))).dbctl(['status']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('database does not exist');
  });

  it('never writes the password of --url into output, errors or the history table', async () => {
    const db = await createTestDatabase('redact');
    try {
      const project = await projectFor(db.url);
      const withSecret = new URL(db.url);
      withSecret.password = SECRET;
      const run = await project.dbctl(['migrate', '--json', '--url', withSecret.toString(), '--verbose']);
      expect(run.code).toBe(4);
      expectNoSecret(run.stdout, run.stderr);
      const ok = await project.dbctl(['migrate', '--verbose']);
      expect(ok.code).toBe(0);
      const history = await db.sql`select row_to_json(h)::text as row from dbctl.migration_history h`;
      expectNoSecret(...history.map((h) => h.row as string));
      const password = new URL(db.url).password;
      for (const text of [ok.stdout, ok.stderr]) expect(text).not.toContain(password);
    } finally {
      await db.drop();
    }
  });

  it('--wait-for-db retries until a server that starts late accepts connections', async () => {
    const port = await freePort();
    const dir = await mkdtemp(path.join(tmpdir(), 'dbctl-late-'));
    const project = await projectFor(`postgres://postgres:dbctl-test-secret@127.0.0.1:${port}/postgres`);
    const run = project.dbctl(['migrate', '--wait-for-db', '60s', '--json']);
    await new Promise((r) => setTimeout(r, 1500));
    const server = await startEmbeddedPostgres(dir, port);
    try {
      const result = await run;
      expect(result.code, result.stderr).toBe(0);
      expect(result.json().applied.map((a: { tag: string }) => a.tag)).toEqual(['0000_a']);
      expect(result.stderr).toContain('not reachable yet');
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
    const gone = await project.dbctl(['migrate', '--wait-for-db', '1s']);
    expect(gone.code).toBe(4);
  });

  it('leaves no file in the project that contains the password', async () => {
    const project = projects[0]!;
    const files = await readdir(project.dir, { recursive: true });
    for (const file of files) {
      const full = path.join(project.dir, file);
      const text = await readFile(full, 'utf8').catch(() => '');
      expectNoSecret(text);
    }
  });
});
