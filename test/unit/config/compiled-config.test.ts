/**
 * The fast path for TypeScript configs: after jiti has loaded a config once, its stored transform
 * loads it without jiti, with the same result; configs it cannot load as jiti would are left to
 * jiti, and an edited config is never served from an old transform.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { holdsLiteralSecret, importCompiledConfig } from '../../../src/config/compiled-config.js';
import { loadProject } from '../../../src/config/index.js';
import { importModule } from '../../../src/config/load.js';
import * as define from '../../../src/config/define.js';
import { drizzleConfigTs, makeProject, removeProjects } from './projects.js';

const require = createRequire(import.meta.url);
const jitiVersion = (require('jiti/package.json') as { version: string }).version;
const virtualModules = { dbctl: define };
const cacheDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../node_modules/.cache/dbctl');

afterAll(removeProjects);

describe('compiled TypeScript configs', () => {
  it('loads a config from its stored transform after the first load, with the same value', async () => {
    const body = `{ dialect: 'postgresql', schema: './schema.ts', out: './drizzle', dbCredentials: { url: process.env.COMPILED_TEST_URL! } }`;
    const dir = await makeProject({ 'drizzle.config.ts': drizzleConfigTs(body) });
    const file = path.join(dir, 'drizzle.config.ts');
    expect(await importCompiledConfig(file, jitiVersion, virtualModules)).toBeNull(); // never loaded
    process.env.COMPILED_TEST_URL = 'postgres://u@h/one';
    const first = await importModule(file); // through jiti, which stores the transform
    const compiled = await importCompiledConfig(file, jitiVersion, virtualModules);
    expect(compiled).not.toBeNull();
    expect(compiled!.default).toEqual(first);
    expect((first as { dbCredentials: { url: string } }).dbCredentials.url).toBe('postgres://u@h/one');
    process.env.COMPILED_TEST_URL = 'postgres://u@h/two'; // evaluated afresh each time, never a stored value
    expect(((await importModule(file)) as { dbCredentials: { url: string } }).dbCredentials.url).toBe('postgres://u@h/two');
    delete process.env.COMPILED_TEST_URL;
  });

  it("serves `import { defineConfig, env } from 'dbctl'` from the running dbctl", async () => {
    const config = `import { defineConfig, env } from 'dbctl';\nexport default defineConfig({ environments: { production: { url: env('PROD_URL') } } });\n`;
    const dir = await makeProject({
      'dbctl.config.ts': config,
      'drizzle.config.ts': drizzleConfigTs(`{ dialect: 'postgresql', schema: './s.ts' }`),
    });
    const first = await loadProject({ cwd: dir, env: {} });
    const file = path.join(dir, 'dbctl.config.ts');
    expect(await importCompiledConfig(file, jitiVersion, virtualModules)).not.toBeNull();
    const second = await loadProject({ cwd: dir, env: {} });
    expect(second.environments).toEqual(first.environments);
  });

  it('leaves a config importing another TypeScript file to jiti, which still loads it', async () => {
    const dir = await makeProject({
      'drizzle.config.ts': `import { out } from './paths';\nexport default { dialect: 'postgresql' as const, schema: './s.ts', out };\n`,
      'paths.ts': `export const out: string = './migrations';\n`,
    });
    const file = path.join(dir, 'drizzle.config.ts');
    expect(await importModule(file)).toMatchObject({ out: './migrations' });
    expect(await importCompiledConfig(file, jitiVersion, virtualModules)).toBeNull();
    expect(await importModule(file)).toMatchObject({ out: './migrations' });
  });

  it('never serves an edited config from the transform of its old text, and keeps one transform per file', async () => {
    const dir = await makeProject({ 'drizzle.config.ts': drizzleConfigTs(`{ dialect: 'postgresql', schema: './a.ts' }`) });
    const file = path.join(dir, 'drizzle.config.ts');
    expect(await importModule(file)).toMatchObject({ schema: './a.ts' });
    const prefix = `config-${createHash('sha256').update(file).digest('hex').slice(0, 24)}-`;
    const stored = () => readdirSync(cacheDir).filter((name) => name.startsWith(prefix));
    expect(stored()).toHaveLength(1);
    await writeFile(file, drizzleConfigTs(`{ dialect: 'postgresql', schema: './b.ts' }`));
    expect(await importCompiledConfig(file, jitiVersion, virtualModules)).toBeNull();
    expect(await importModule(file)).toMatchObject({ schema: './b.ts' });
    expect(((await importCompiledConfig(file, jitiVersion, virtualModules)) as { default: unknown }).default).toMatchObject({
      schema: './b.ts',
    });
    expect(stored()).toHaveLength(1); // the old text's transform was replaced
  });

  it('reports a config that throws exactly as before, and stores nothing for it', async () => {
    const dir = await makeProject({ 'drizzle.config.ts': `const x: number = 1;\nthrow new Error('config exploded ' + x);\n` });
    const file = path.join(dir, 'drizzle.config.ts');
    const before = existsSync(cacheDir) ? readdirSync(cacheDir).length : 0;
    await expect(importModule(file)).rejects.toThrow('config exploded 1');
    expect(existsSync(cacheDir) ? readdirSync(cacheDir).length : 0).toBe(before);
  });

  it('never stores a config holding a literal password; stored transforms are 0600 in a 0700 directory', async () => {
    const secret = 'Lit3ral-Pa55word-in-config';
    const literal = await makeProject({
      'drizzle.config.ts': drizzleConfigTs(
        `{ dialect: 'postgresql', schema: './schema.ts', dbCredentials: { url: 'postgres://app:${secret}@db.example.com/app' } }`,
      ),
    });
    const file = path.join(literal, 'drizzle.config.ts');
    expect(await importModule(file)).toMatchObject({ dialect: 'postgresql' });
    expect(await importCompiledConfig(file, jitiVersion, virtualModules)).toBeNull();
    const holds = (dir: string) =>
      existsSync(dir) &&
      readdirSync(dir).some((name) => {
        try {
          return readFileSync(path.join(dir, name), 'utf8').includes(secret);
        } catch {
          return false; // removed meanwhile by another run
        }
      });
    expect(holds(cacheDir)).toBe(false);
    // nor jiti's own file cache
    expect(holds(path.join(cacheDir, '..', 'jiti'))).toBe(false);
    expect(holds(path.join(tmpdir(), 'jiti'))).toBe(false);
    for (const body of [
      `{ dialect: 'postgresql', dbCredentials: { host: 'h', password: '${secret}' } }`,
      `{ dialect: 'postgresql', dbCredentials: { url: 'postgres://h/db?password=${secret}' } }`,
    ]) {
      expect(holdsLiteralSecret(drizzleConfigTs(body))).toBe(true);
    }
    expect(
      holdsLiteralSecret(
        drizzleConfigTs(`{ dialect: 'postgresql', dbCredentials: { url: process.env.DATABASE_URL!, password: process.env.PW } }`),
      ),
    ).toBe(false);

    const clean = await makeProject({ 'drizzle.config.ts': drizzleConfigTs(`{ dialect: 'postgresql', schema: './clean.ts' }`) });
    const cleanFile = path.join(clean, 'drizzle.config.ts');
    await importModule(cleanFile);
    expect(await importCompiledConfig(cleanFile, jitiVersion, virtualModules)).not.toBeNull();
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    const prefix = `config-${createHash('sha256').update(cleanFile).digest('hex').slice(0, 24)}-`;
    const stored = readdirSync(cacheDir).filter((name) => name.startsWith(prefix));
    expect(stored).toHaveLength(1);
    expect(statSync(path.join(cacheDir, stored[0]!)).mode & 0o777).toBe(0o600);
  });
});
