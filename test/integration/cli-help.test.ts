/**
 * The command line as a person meets it: help with defaults, examples and the global options on
 * every command; "did you mean" only for near names (and a pointer for drizzle-kit's own commands);
 * output piped into a reader that stops early (`| head`) ends quietly.
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { dbctlBin, repoRoot, runDbctl } from '../support/cli.js';
import { createProject, type TestProject } from '../support/project.js';

let project: TestProject | undefined;
afterAll(async () => project?.cleanup());

describe('dbctl help and usage errors', () => {
  it('shows the global options, defaults and examples on a command', async () => {
    const help = await runDbctl(['migrate', '--help'], { cwd: repoRoot });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Global Options:');
    expect(help.stdout).toMatch(/--env <name>/);
    expect(help.stdout).toMatch(/--json/);
    expect(help.stdout).toContain('default 60s');
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('$ dbctl migrate --env staging');
  });

  it('suggests only near command names, and points drizzle-kit commands to drizzle-kit', async () => {
    const typo = await runDbctl(['migrat'], { cwd: repoRoot });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('did you mean dbctl migrate?');
    const pull = await runDbctl(['pull'], { cwd: repoRoot });
    expect(pull.code).toBe(2);
    expect(pull.stderr).not.toContain('push');
    expect(pull.stderr).toContain('drizzle-kit pull');
    const far = await runDbctl(['xyzzy'], { cwd: repoRoot });
    expect(far.stderr).not.toMatch(/did you mean/i);
  });

  it('ends quietly when the reader of its output closes the pipe', async () => {
    project = await createProject('postgres://unused@127.0.0.1:1/none');
    for (let i = 0; i < 150; i++) await project.addMigration({ name: `m${i}`, sql: [`ALTER TABLE "t${i}" DROP COLUMN "c"`] });
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const child = spawn('sh', ['-c', `"${process.execPath}" "${dbctlBin}" review --all | head -n 1 >/dev/null`], {
        cwd: project!.dir,
        env: { ...process.env, CI: '1', NO_COLOR: '1' },
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
    });
    expect(result.stderr).not.toContain('EPIPE');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
