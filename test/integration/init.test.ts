/**
 * `dbctl init` and its templates: files written without overwriting, the workflow is valid YAML
 * naming commands that exist, and the container entrypoint migrates a real database then execs the app.
 */
import { describe, expect, it } from 'vitest';
import { mkdir, readFile, stat, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { parse } from 'yaml';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';
import { dbctlBin, repoRoot, runDbctl } from '../support/cli.js';

let project: TestProject | undefined;
let db: TestDatabase | undefined;

describe('dbctl init', () => {
  it('writes the config and the templates asked for, keeps existing files', async () => {
    const dir = path.join(repoRoot, '.tmp', `init-${Date.now()}`);
    await mkdir(dir, { recursive: true });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    try {
      const first = await runDbctl(['init'], { cwd: dir });
      expect(first.code).toBe(0);
      const config = await readFile(path.join(dir, 'dbctl.config.ts'), 'utf8');
      expect(config).toContain("drizzleConfig: './drizzle.config.ts'");
      expect(config).toContain("env('PRODUCTION_DATABASE_URL'), protected: true");
      expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).toContain('\n.dbctl/\n');

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
    const dir = path.join(repoRoot, '.tmp', `init-wf-${Date.now()}`);
    await mkdir(dir, { recursive: true });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    await writeFile(path.join(dir, 'package-lock.json'), '{}');
    expect((await runDbctl(['init', '--github-actions'], { cwd: dir })).code).toBe(0);
    const workflow = parse(await readFile(path.join(dir, '.github/workflows/dbctl.yml'), 'utf8'));
    await rm(dir, { recursive: true, force: true });
    expect(workflow.jobs.check.steps.map((s: { run?: string }) => s.run).filter(Boolean)).toContain('npm ci');
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

  it('fits a pnpm monorepo package: workflow at the repository root with its working directory, its out folder in the Dockerfile, .dbctl/ ignored', async () => {
    const root = path.join(repoRoot, '.tmp', `init-mono-${Date.now()}`);
    const pkg = path.join(root, 'packages', 'api');
    await mkdir(pkg, { recursive: true });
    execFileSync('git', ['init', '-q'], { cwd: root });
    await writeFile(path.join(root, 'pnpm-lock.yaml'), "lockfileVersion: '9.0'\n");
    await writeFile(
      path.join(pkg, 'drizzle.config.ts'),
      "export default { dialect: 'postgresql', schema: './src/schema.ts', out: './db/migrations' };\n",
    );
    await writeFile(path.join(pkg, '.gitignore'), 'node_modules\n');
    try {
      const result = await runDbctl(['init', '--all', '--json'], { cwd: pkg });
      expect(result.code, result.stderr).toBe(0);
      expect(result.json().written).toContain('../../.github/workflows/dbctl-packages-api.yml');
      const workflow = parse(await readFile(path.join(root, '.github/workflows/dbctl-packages-api.yml'), 'utf8'));
      for (const job of Object.values(
        workflow.jobs as Record<
          string,
          { defaults: { run: { 'working-directory': string } }; steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] }
        >,
      )) {
        expect(job.defaults.run['working-directory']).toBe('packages/api');
        expect(job.steps.some((s) => s.uses === 'pnpm/action-setup@v4')).toBe(true);
        expect(job.steps.find((s) => s.run?.startsWith('pnpm install'))).toMatchObject({ 'working-directory': '.' } as object);
        expect(job.steps.filter((s) => s.run?.includes('dbctl')).every((s) => s.run!.includes('pnpm exec dbctl'))).toBe(true);
      }
      const dockerfile = await readFile(path.join(pkg, 'Dockerfile.dbctl'), 'utf8');
      expect(dockerfile).toContain('COPY db/migrations ./db/migrations');
      expect(dockerfile).toContain('COPY drizzle.config.ts dbctl.config.ts ./');
      expect(await readFile(path.join(pkg, '.gitignore'), 'utf8')).toBe("node_modules\n# dbctl's local backups hold row data\n.dbctl/\n");
      const again = await runDbctl(['init', '--json'], { cwd: pkg });
      expect(again.json().written).not.toContain('.gitignore');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('the entrypoint migrates a real database, then execs the app command', async () => {
    db = await testDatabase('entrypoint');
    project = await testProject(db.url, {
      dbctlConfig: { environments: { production: { url: 'env:PRODUCTION_DATABASE_URL', protected: true } } },
    });
    await project.addMigration({ name: 'users', sql: ['CREATE TABLE "users" (id int);'] });
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      const child = spawn('sh', [path.join(repoRoot, 'templates/dbctl-entrypoint.sh'), 'node', '-e', "console.log('app started')"], {
        cwd: project!.dir,
        env: {
          ...process.env,
          CI: '1',
          PRODUCTION_DATABASE_URL: db!.url,
          DBCTL_BIN: `${process.execPath} ${dbctlBin}`,
          DBCTL_WAIT_FOR_DB: '10s',
        },
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
