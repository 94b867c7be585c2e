/**
 * The fast path for TypeScript configs: after jiti has loaded a config once, its stored transform
 * loads it without jiti, with the same result; configs it cannot load as jiti would are left to
 * jiti, and an edited config is never served from an old transform.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { importCompiledConfig } from '../../../src/config/compiled-config.js';
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
    const dir = await makeProject({ 'dbctl.config.ts': config, 'drizzle.config.ts': drizzleConfigTs(`{ dialect: 'postgresql', schema: './s.ts' }`) });
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
    expect(((await importCompiledConfig(file, jitiVersion, virtualModules)) as { default: unknown }).default).toMatchObject({ schema: './b.ts' });
    expect(stored()).toHaveLength(1); // the old text's transform was replaced
  });

  it('reports a config that throws exactly as before, and stores nothing for it', async () => {
    const dir = await makeProject({ 'drizzle.config.ts': `const x: number = 1;\nthrow new Error('config exploded ' + x);\n` });
    const file = path.join(dir, 'drizzle.config.ts');
    const before = existsSync(cacheDir) ? readdirSync(cacheDir).length : 0;
    await expect(importModule(file)).rejects.toThrow('config exploded 1');
    expect(existsSync(cacheDir) ? readdirSync(cacheDir).length : 0).toBe(before);
  });
});

