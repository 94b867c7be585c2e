/**
 * The API as npm ships it: `npm pack` of the built repository, unpacked into a user project's
 * node_modules/dbctl, then `require('dbctl')` and `import('dbctl')` in fresh processes. The project
 * lives under the repository's .tmp, so the package's dependencies resolve from its node_modules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { repoRoot } from '../support/cli.js';

const exec = promisify(execFile);
const dir = path.join(repoRoot, '.tmp', `packed-${randomUUID().slice(0, 8)}`);

beforeAll(async () => {
  await mkdir(path.join(dir, 'node_modules', 'dbctl'), { recursive: true });
  const { stdout } = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: repoRoot });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  await exec('tar', ['-xzf', path.join(dir, filename), '-C', path.join(dir, 'node_modules', 'dbctl'), '--strip-components=1']);
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true }));
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs `node -e code` (or `--input-type=module`) in the project, without a config there. */
async function node(code: string, esm = false): Promise<{ stdout: string; stderr: string }> {
  const args = esm ? ['--input-type=module', '-e', code] : ['-e', code];
  return await exec(process.execPath, args, { cwd: dir, env: { ...process.env, DBCTL_ENV: '', CI: '1' } });
}

const probe = (api: string) => `
const out = { exports: Object.keys(${api}).sort() };
${api}.status({}).then(
  () => { out.resolved = true; },
  (error) => { out.error = { name: error.name, code: error.code, exitCode: error.exitCode, instanceOf: error instanceof ${api}.DbctlError }; },
).then(() => process.stderr.write(JSON.stringify(out)));
`;

describe('the packed package', () => {
  it('require("dbctl") and import("dbctl") give the same API; a call loads its command and rejects with DbctlError, printing nothing', async () => {
    const cjs = await node(`const dbctl = require('dbctl');${probe('dbctl')}`);
    const esm = await node(`const dbctl = await import('dbctl');${probe('dbctl')}`, true);
    for (const run of [cjs, esm]) {
      expect(run.stdout).toBe('');
      const out = JSON.parse(run.stderr) as {
        exports: string[];
        error?: { name: string; code: string; exitCode: number; instanceOf: boolean };
      };
      for (const name of [
        'migrate',
        'status',
        'review',
        'check',
        'generate',
        'backup',
        'restore',
        'revert',
        'fix',
        'drop',
        'push',
        'resolve',
        'backups',
        'defineConfig',
        'env',
        'DbctlError',
      ]) {
        expect(out.exports).toContain(name);
      }
      // no drizzle config in the project: a config error (exit 2), thrown by the command itself
      expect(out.error).toMatchObject({ name: 'DbctlError', exitCode: 2, instanceOf: true });
    }
    // the CommonJS helpers are synchronous and equal to the ES module's
    const helpers = await node(
      `const { defineConfig, env, ERROR_CODES } = require('dbctl'); process.stderr.write(JSON.stringify([defineConfig({ a: 1 }), env('X'), ERROR_CODES.REFUSED]))`,
    );
    expect(JSON.parse(helpers.stderr)).toEqual([{ a: 1 }, { __dbctlEnv: 'X' }, 3]);
  }, 60_000);
});
