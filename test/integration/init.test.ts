/**
 * `dbctl init` and its templates: files written without overwriting, the workflow is valid YAML
 * naming commands that exist, and the container entrypoint migrates a real database then execs the app.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, readFile, stat, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parse } from 'yaml';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createProject, type TestProject } from '../support/project.js';
import { dbctlBin, repoRoot, runDbctl } from '../support/cli.js';

let project: TestProject | undefined;
let db: TestDatabase | undefined;
afterEach(async () => {
  await project?.cleanup();
  await db?.drop();
  project = undefined;
  db = undefined;
});

describe('dbctl init', () => {
  it('writes the config and the templates asked for, keeps existing files', async () => {
    const dir = path.join(repoRoot, '.tmp', `init-${Date.now()}`);
    await mkdir(dir, { recursive: true });
    try {
      const first = await runDbctl(['init'], { cwd: dir });
      expect(first.code).toBe(0);
      const config = await readFile(path.join(dir, 'dbctl.config.ts'), 'utf8');
      expect(config).toContain("drizzleConfig: './drizzle.config.ts'");
      expect(config).toContain("env('PRODUCTION_DATABASE_URL'), protected: true");

      await writeFile(path.join(dir, 'dbctl.config.ts'), '// mine\n');
      const all = await runDbctl(['init', '--all', '--json'], { cwd: dir });
      expect(all.code).toBe(0);
      expect(all.json()).toEqual({
        written: ['dbctl-entrypoint.sh', 'Dockerfile.dbctl', '.github/workflows/dbctl.yml', 'k8s/dbctl-migrate.yaml'],
        skipped: ['dbctl.config.ts'],
      });
      expect(await readFile(path.join(dir, 'dbctl.config.ts'), 'utf8')).toBe('// mine\n');
      expect((await stat(path.join(dir, 'dbctl-entrypoint.sh'))).mode & 0o111).not.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes a GitHub workflow that is valid YAML and only runs dbctl commands that exist', async () => {
    const workflow = parse(await readFile(path.join(repoRoot, 'templates/github/dbctl.yml'), 'utf8'));
    expect(Object.keys(workflow.jobs)).toEqual(['check', 'migrate-staging']);
    const commands = Object.values(workflow.jobs as Record<string, { steps: { run?: string }[] }>)
      .flatMap((job) => job.steps.map((s) => s.run).filter((r): r is string => Boolean(r)))
      .filter((r) => r.includes('dbctl'));
    expect(commands.length).toBeGreaterThanOrEqual(3);
    const help = await runDbctl(['--help'], { cwd: repoRoot });
    for (const command of commands) {
      const sub = command.match(/dbctl (\w+)/)![1]!;
      expect(help.stdout, `dbctl ${sub}`).toMatch(new RegExp(`\\n\\s+${sub}\\b`));
    }
    for (const doc of (await readFile(path.join(repoRoot, 'templates/kubernetes/dbctl-migrate.yaml'), 'utf8')).split(/^---$/m)) {
      expect(parse(doc)).toHaveProperty('kind');
    }
  });

  it('the entrypoint migrates a real database, then execs the app command', async () => {
    db = await createTestDatabase('entrypoint');
    project = await createProject(db.url, {
      dbctlConfig: { environments: { production: { url: 'env:PRODUCTION_DATABASE_URL', protected: true } } },
    });
    await project.addMigration({ name: 'users', sql: ['CREATE TABLE "users" (id int);'] });
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      const child = spawn('sh', [path.join(repoRoot, 'templates/dbctl-entrypoint.sh'), 'node', '-e', "console.log('app started')"], {
        cwd: project!.dir,
        env: { ...process.env, CI: '1', PRODUCTION_DATABASE_URL: db!.url, DBCTL_BIN: `${process.execPath} ${dbctlBin}`, DBCTL_WAIT_FOR_DB: '10s' },
      });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('close', (code) => resolve({ code: code ?? 1, output }));
    });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('applied');
    expect(result.output.trim().endsWith('app started')).toBe(true);
    const [row] = await db.sql`select to_regclass('public.users') as t`;
    expect(row!.t).toBe('users');
  });
});
