import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProject, resolveEnvironment } from '../../../src/config/index.js';
import { DbctlError } from '../../../src/errors.js';
import { drizzleConfigTs, makeProject, removeProjects } from './projects.js';

afterAll(removeProjects);

const env = {};
const DRIZZLE = drizzleConfigTs(`{ dialect: 'postgresql', schema: './src/schema.ts' }`);

async function failure(promise: Promise<unknown>): Promise<DbctlError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DbctlError);
  return error as DbctlError;
}

describe('loadProject: dbctl config files', () => {
  it('loads dbctl.config.ts importing defineConfig and env from dbctl, and the drizzle config', async () => {
    const dir = await makeProject({
      'dbctl.config.ts': `import { defineConfig, env } from 'dbctl';
const lockTimeout: string = '2s';
export default defineConfig({
  environments: {
    development: 'postgres://dev@localhost/app',
    staging: { url: env('STAGING_DATABASE_URL') },
    production: { url: env('PRODUCTION_DATABASE_URL'), protected: true },
  },
  protect: { hosts: ['*.prod.example.com'] },
  backup: { dir: 'backups', keep: 5 },
  migrate: { lockTimeout, wait: '2m' },
  review: { rules: { 'ban-drop-column': 'warning' } },
});
`,
      'drizzle.config.ts': drizzleConfigTs(`{
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations',
  casing: 'snake_case',
  migrations: { table: 'my_migrations', schema: 'ops', prefix: 'timestamp' },
  dbCredentials: { url: 'postgres://drizzle@localhost/app' },
  schemaFilter: 'app',
  tablesFilter: ['app_*'],
  extensionsFilters: ['postgis'],
  strict: true,
  verbose: true,
}`),
    });
    const project = await loadProject({ cwd: dir, env });
    expect(project.projectDir).toBe(dir);
    expect(project.configPath).toBe(path.join(dir, 'dbctl.config.ts'));
    expect(Object.keys(project.environments)).toEqual(['development', 'staging', 'production']);
    expect(project.environments.staging?.url).toEqual({ __dbctlEnv: 'STAGING_DATABASE_URL' });
    expect(project.environments.production?.protected).toBe(true);
    expect(project.protectHosts).toEqual(['*.prod.example.com']);
    expect(project.backup).toEqual({ dir: path.join(dir, 'backups'), target: 'dir', keep: 5 });
    expect(project.migrate).toEqual({ lockTimeoutMs: 2000, statementTimeoutMs: 0, waitMs: 120_000, lockRetries: 3 });
    expect(project.review.rules['ban-drop-column']).toBe('warning');
    expect(project.history).toEqual({ schema: 'dbctl' });
    expect(project.drizzle).toEqual({
      configPath: path.join(dir, 'drizzle.config.ts'),
      baseDir: dir,
      dialect: 'postgresql',
      schema: './src/db/schema.ts',
      out: path.join(dir, 'migrations'),
      outRelative: './migrations',
      migrationsTable: 'my_migrations',
      migrationsSchema: 'ops',
      prefix: 'timestamp',
      casing: 'snake_case',
      url: 'postgres://drizzle@localhost/app',
      schemaFilter: ['app'],
      tablesFilter: ['app_*'],
      extensionsFilters: ['postgis'],
      strict: true,
      verbose: true,
      breakpoints: true,
    });
  });

  it('applies drizzle-kit defaults when the drizzle config leaves them out', async () => {
    const dir = await makeProject({ 'drizzle.config.ts': DRIZZLE });
    const project = await loadProject({ cwd: dir, env });
    expect(project.configPath).toBeNull();
    expect(project.environments).toEqual({});
    expect(project.backup).toEqual({ dir: path.join(dir, '.dbctl', 'backups'), target: 'dir', keep: undefined });
    expect(project.migrate).toEqual({ lockTimeoutMs: 5000, statementTimeoutMs: 0, waitMs: 60_000, lockRetries: 3 });
    expect(project.review).toEqual({ rules: {} });
    expect(project.drizzle).toMatchObject({
      out: path.join(dir, 'drizzle'),
      outRelative: 'drizzle',
      migrationsTable: '__drizzle_migrations',
      migrationsSchema: 'drizzle',
      prefix: 'index',
      casing: undefined,
      url: undefined,
      schemaFilter: ['public'],
      tablesFilter: undefined,
      strict: false,
      verbose: false,
      breakpoints: true,
    });
  });

  it('loads dbctl.config.mts', async () => {
    const dir = await makeProject({
      'dbctl.config.mts': `import { defineConfig, env } from 'dbctl';\nexport default defineConfig({ environments: { staging: { url: env('S_URL') } } });\n`,
      'drizzle.config.ts': DRIZZLE,
    });
    const project = await loadProject({ cwd: dir, env });
    expect(project.configPath).toBe(path.join(dir, 'dbctl.config.mts'));
    expect(project.environments.staging?.url).toEqual({ __dbctlEnv: 'S_URL' });
  });

  it('loads dbctl.config.mjs and dbctl.config.js', async () => {
    for (const name of ['dbctl.config.mjs', 'dbctl.config.js']) {
      const dir = await makeProject({
        [name]: `import { defineConfig, env } from 'dbctl';\nexport default defineConfig({ environments: { qa: { url: env('QA_URL'), protected: false } } });\n`,
        'drizzle.config.ts': DRIZZLE,
      });
      const project = await loadProject({ cwd: dir, env });
      expect(project.configPath).toBe(path.join(dir, name));
      expect(project.environments.qa).toEqual({ name: 'qa', url: { __dbctlEnv: 'QA_URL' }, protected: false });
    }
  });

  it('loads dbctl.config.json, where "env:NAME" reads variable NAME', async () => {
    const dir = await makeProject({
      'dbctl.config.json': JSON.stringify({
        $schema: './node_modules/dbctl/schema.json',
        environments: { staging: 'env:STAGING_DATABASE_URL', production: { url: 'env:PROD_URL', protected: true } },
      }),
      'drizzle.config.ts': DRIZZLE,
    });
    const project = await loadProject({ cwd: dir, env });
    const resolved = resolveEnvironment(project, { envName: 'staging', env: { STAGING_DATABASE_URL: 'postgres://u@staging-db/app' } });
    expect(resolved).toMatchObject({ name: 'staging', url: 'postgres://u@staging-db/app', protected: false, protectionReasons: [] });
    expect(resolved.connection).toMatchObject({ hosts: ['staging-db'], ports: [5432], database: 'app', user: 'u', socket: false });
    expect(() => resolveEnvironment(project, { envName: 'production', env: {} })).toThrow(
      'environment "production" has no database url: PROD_URL is not set',
    );
  });

  it('takes the first config found, in the documented order', async () => {
    const dir = await makeProject({
      'dbctl.config.json': JSON.stringify({ environments: { json: 'postgres://u@h/db' } }),
      'dbctl.config.mjs': `export default { environments: { mjs: 'postgres://u@h/db' } };\n`,
      'dbctl.config.ts': `export default { environments: { ts: 'postgres://u@h/db' } };\n`,
      'drizzle.config.ts': DRIZZLE,
    });
    expect(Object.keys((await loadProject({ cwd: dir, env })).environments)).toEqual(['ts']);
  });

  it('accepts a default export that is a function or returns a promise', async () => {
    const dir = await makeProject({
      'dbctl.config.ts': `import { defineConfig } from 'dbctl';\nexport default async () => defineConfig({ environments: { a: 'postgres://u@h/a' } });\n`,
      'drizzle.config.ts': DRIZZLE,
    });
    expect(Object.keys((await loadProject({ cwd: dir, env })).environments)).toEqual(['a']);
    const dir2 = await makeProject({
      'dbctl.config.mjs': `export default Promise.resolve({ environments: { b: 'postgres://u@h/b' } });\n`,
      'drizzle.config.ts': DRIZZLE,
    });
    expect(Object.keys((await loadProject({ cwd: dir2, env })).environments)).toEqual(['b']);
  });

  it('accepts an empty default export and CommonJS module.exports, and rejects a module without a config', async () => {
    const empty = await makeProject({ 'dbctl.config.ts': `export default {};\n`, 'drizzle.config.ts': DRIZZLE });
    expect((await loadProject({ cwd: empty, env })).environments).toEqual({});
    const cjs = await makeProject({
      'dbctl.config.js': `module.exports = { environments: { c: 'postgres://u@h/c' } };\n`,
      'drizzle.config.ts': DRIZZLE,
    });
    expect(Object.keys((await loadProject({ cwd: cjs, env })).environments)).toEqual(['c']);
    const none = await makeProject({ 'dbctl.config.ts': `const forgotten = { environments: {} };\n`, 'drizzle.config.ts': DRIZZLE });
    const error = await failure(loadProject({ cwd: none, env }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('dbctl.config.ts exports no config');
    expect(error.hint).toBe('write export default defineConfig({ ... })');
  });

  it('uses --config relative to cwd, finds drizzleConfig relative to that config, and resolves out like drizzle-kit (from cwd)', async () => {
    const dir = await makeProject({
      'config/dbctl.config.ts': `export default { drizzleConfig: '../db/drizzle.config.ts' };\n`,
      'db/drizzle.config.ts': drizzleConfigTs(`{ dialect: 'postgresql', schema: './schema.ts', out: './out' }`),
    });
    const project = await loadProject({ cwd: dir, configPath: 'config/dbctl.config.ts', env });
    expect(project.configPath).toBe(path.join(dir, 'config', 'dbctl.config.ts'));
    expect(project.drizzle.configPath).toBe(path.join(dir, 'db', 'drizzle.config.ts'));
    // drizzle-kit resolves `out` against its working directory, not the config's folder
    expect(project.drizzle.out).toBe(path.join(dir, 'out'));
    expect(project.drizzle.baseDir).toBe(dir);
  });

  it('resolves imports from the drizzle config own folder', async () => {
    const dir = await makeProject({
      'drizzle.config.ts': `import { defineConfig } from 'drizzle-kit';\nimport { out } from './settings';\nexport default defineConfig({ dialect: 'postgresql', schema: './s.ts', out });\n`,
      'settings.ts': `export const out: string = './from-settings';\n`,
    });
    expect((await loadProject({ cwd: dir, env })).drizzle.outRelative).toBe('./from-settings');
  });

  it('builds the url from drizzle dbCredentials fields', async () => {
    const dir = await makeProject({
      'drizzle.config.ts': drizzleConfigTs(
        `{ dialect: 'postgresql', schema: './s.ts', dbCredentials: { host: 'db.local', port: 6543, user: 'app', password: 'p@ss word', database: 'main', ssl: 'require' } }`,
      ),
    });
    const project = await loadProject({ cwd: dir, env });
    expect(project.drizzle.url).toBe('postgres://app:p%40ss%20word@db.local:6543/main?sslmode=require');
  });
});

describe('loadProject: errors', () => {
  it('names a --config path that does not exist', async () => {
    const dir = await makeProject({ 'drizzle.config.ts': DRIZZLE });
    const error = await failure(loadProject({ cwd: dir, configPath: 'nope/dbctl.config.ts', env }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('config file nope/dbctl.config.ts not found');
  });

  it('reports a missing drizzle config with the hint', async () => {
    const dir = await makeProject({ 'dbctl.config.ts': `export default { drizzleConfig: './db/drizzle.config.ts' };\n` });
    const error = await failure(loadProject({ cwd: dir, env }));
    expect(error.code).toBe('DRIZZLE_CONFIG_INVALID');
    expect(error.message).toBe(`drizzle config ${path.join('db', 'drizzle.config.ts')} not found`);
    expect(error.hint).toBe('set drizzleConfig in dbctl.config.ts or create drizzle.config.ts');
    const empty = await makeProject({});
    expect((await failure(loadProject({ cwd: empty, env }))).message).toBe('drizzle config drizzle.config.ts not found');
  });

  it('refuses a drizzle config for another dialect', async () => {
    const dir = await makeProject({ 'drizzle.config.ts': drizzleConfigTs(`{ dialect: 'mysql', schema: './s.ts' }`) });
    const error = await failure(loadProject({ cwd: dir, env }));
    expect(error.code).toBe('DRIZZLE_CONFIG_INVALID');
    expect(error.message).toBe('drizzle.config.ts has dialect "mysql"; dbctl supports PostgreSQL only');
  });

  it('reports a drizzle config that cannot be loaded in one line', async () => {
    const dir = await makeProject({
      'drizzle.config.ts': `import { x } from 'surely-not-installed-package';\nexport default { dialect: 'postgresql', x };\n`,
    });
    const error = await failure(loadProject({ cwd: dir, env }));
    expect(error.code).toBe('DRIZZLE_CONFIG_INVALID');
    expect(error.message).toMatch(/^drizzle\.config\.ts could not be loaded: .*surely-not-installed-package/);
    expect(error.message).not.toContain('\n');
  });

  it('lists every drizzle config problem at once', async () => {
    const dir = await makeProject({
      'drizzle.config.ts': drizzleConfigTs(
        `{ dialect: 'postgresql', schema: './s.ts', out: 3, casing: 'kebab', migrations: { prefix: 'date' } } as any`,
      ),
    });
    const error = await failure(loadProject({ cwd: dir, env }));
    expect(error.message).toBe('drizzle.config.ts has 3 problems');
    expect(error.details).toEqual([
      'out: expected a folder path such as "./drizzle"',
      'migrations.prefix: expected one of index, timestamp, supabase, unix, none',
      'casing: expected "camelCase" or "snake_case"',
    ]);
  });

  it('reports every dbctl config problem at once with key paths', async () => {
    const dir = await makeProject({
      'dbctl.config.ts': `export default {
  enviroments: {},
  backup: { target: 's3', keep: 0 },
  migrate: { lockTimeout: '5 seconds' },
};\n`,
      'drizzle.config.ts': DRIZZLE,
    });
    const error = await failure(loadProject({ cwd: dir, env }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('dbctl.config.ts has 4 problems');
    expect(error.details).toEqual([
      'enviroments: unknown key; did you mean "environments"?',
      'backup.target: expected "dir" or "database", got "s3"',
      'backup.keep: expected a positive whole number of backups to keep, got number 0',
      'migrate.lockTimeout: value "5 seconds" is not a duration; write 500ms, 5s or 2m',
    ]);
    expect(error.hint).toBe('fix them and run the command again');
  });

  it('reports a config that throws while loading in one line, without its password', async () => {
    const dir = await makeProject({
      'dbctl.config.ts': `throw new Error('cannot reach postgres://admin:TopSecret99@db/app\\nsecond line');\n`,
      'drizzle.config.ts': DRIZZLE,
    });
    const error = await failure(loadProject({ cwd: dir, env }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('dbctl.config.ts could not be loaded: cannot reach postgres://admin:***@db/app');
  });

  it('reports invalid JSON', async () => {
    const dir = await makeProject({ 'dbctl.config.json': '{ "environments": ', 'drizzle.config.ts': DRIZZLE });
    const error = await failure(loadProject({ cwd: dir, env }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/^dbctl\.config\.json is not valid JSON: /);
  });

  it('treats an unset process.env url in a TS config as an unset url naming the environment', async () => {
    const dir = await makeProject({
      'dbctl.config.ts': `export default { environments: { staging: { url: process.env.DBCTL_TEST_SURELY_UNSET_VARIABLE } } };\n`,
      'drizzle.config.ts': DRIZZLE,
    });
    const project = await loadProject({ cwd: dir, env });
    expect(() => resolveEnvironment(project, { envName: 'staging', env: {} })).toThrow('environment "staging" has no database url');
  });
});
