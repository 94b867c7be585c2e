import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { env } from '../../../src/config/define.js';
import { didYouMean, parseUserConfig } from '../../../src/config/schema.js';
import { DbctlError } from '../../../src/errors.js';

const projectDir = path.resolve('/projects/app');
const parse = (raw: unknown, label = 'dbctl.config.ts') => parseUserConfig(raw, { projectDir, label });

function problems(raw: unknown, label?: string): { message: string; details: string[] } {
  try {
    parse(raw, label);
  } catch (error) {
    expect(error).toBeInstanceOf(DbctlError);
    const dbctl = error as DbctlError;
    expect(dbctl.code).toBe('CONFIG_INVALID');
    expect(dbctl.exitCode).toBe(2);
    return { message: dbctl.message, details: dbctl.details };
  }
  throw new Error('expected the config to be rejected');
}

describe('parseUserConfig', () => {
  it('applies defaults to an empty config', () => {
    expect(parse({})).toEqual({
      drizzleConfig: undefined,
      environments: {},
      protectHosts: [],
      backup: { dir: path.join(projectDir, '.dbctl', 'backups'), target: 'dir', keep: undefined },
      migrate: { lockTimeoutMs: 5000, statementTimeoutMs: 0, waitMs: 60_000, lockRetries: 3 },
      review: { rules: {} },
      history: { schema: 'dbctl' },
    });
  });

  it('reads every section', () => {
    const parsed = parse({
      drizzleConfig: './db/drizzle.config.ts',
      environments: {
        development: 'postgres://localhost/dev',
        staging: { url: env('STAGING_DATABASE_URL') },
        production: { url: 'env:PRODUCTION_DATABASE_URL', protected: true },
        preview: { url: undefined },
      },
      protect: { hosts: ['*.prod.example.com'] },
      backup: { dir: '/var/backups/app', target: 'database', keep: 10 },
      migrate: { lockTimeout: '500ms', statementTimeout: '10m', wait: '1h', lockRetries: 0 },
      review: { rules: { 'ban-drop-column': 'off', 'prefer-robust-stmts': 'error' } },
      history: { schema: 'ops' },
    });
    expect(parsed.drizzleConfig).toBe('./db/drizzle.config.ts');
    expect(parsed.environments).toEqual({
      development: { name: 'development', url: 'postgres://localhost/dev', protected: undefined },
      staging: { name: 'staging', url: { __dbctlEnv: 'STAGING_DATABASE_URL' }, protected: undefined },
      production: { name: 'production', url: { __dbctlEnv: 'PRODUCTION_DATABASE_URL' }, protected: true },
      preview: { name: 'preview', url: undefined, protected: undefined },
    });
    expect(parsed.backup).toEqual({ dir: path.resolve('/var/backups/app'), target: 'database', keep: 10 });
    expect(parsed.migrate).toEqual({ lockTimeoutMs: 500, statementTimeoutMs: 600_000, waitMs: 3_600_000, lockRetries: 0 });
    expect(parsed.review.rules).toEqual({ 'ban-drop-column': 'off', 'prefer-robust-stmts': 'error' });
    expect(parsed.history.schema).toBe('ops');
  });

  it('turns JSON "env:NAME" strings into variable references', () => {
    const parsed = parse(JSON.parse('{"environments":{"staging":"env:STAGING_URL","qa":{"url":"env:QA_URL"}}}'), 'dbctl.config.json');
    expect(parsed.environments.staging?.url).toEqual({ __dbctlEnv: 'STAGING_URL' });
    expect(parsed.environments.qa?.url).toEqual({ __dbctlEnv: 'QA_URL' });
  });

  it('collects every problem into one error, each prefixed with its key path', () => {
    const result = problems({
      drizzleConfg: './x.ts',
      environments: {
        staging: { url: 42, protect: true },
        broken: 7,
        badvar: 'env:not a name',
        prod: { url: 'postgres://x', protected: 'yes' },
      },
      protect: { hosts: '*.prod.example.com' },
      backup: { target: 's3', keep: 1.5, dri: 'x' },
      migrate: { lockTimeout: '5 seconds', wait: 60, lockRetries: -1 },
      review: { rules: { 'ban-drop-column': 'fatal' } },
      history: { schema: '' },
    });
    expect(result.message).toBe('dbctl.config.ts has 15 problems');
    expect(result.details).toEqual([
      'drizzleConfg: unknown key; did you mean "drizzleConfig"?',
      'environments.staging.protect: unknown key; did you mean "protected"?',
      'environments.staging.url: expected a url string, env(\'NAME\') or "env:NAME", got number 42',
      'environments.broken: expected a url string or { url, protected }, got number 7',
      'environments.badvar: "env:" must be followed by a variable name, e.g. "env:DATABASE_URL"',
      'environments.prod.protected: expected true or false, got "yes"',
      'protect.hosts: expected an array of host globs such as ["*.prod.example.com"], got "*.prod.example.com"',
      'backup.dri: unknown key; did you mean "dir"?',
      'backup.target: expected "dir" or "database", got "s3"',
      'backup.keep: expected a positive whole number of backups to keep, got number 1.5',
      'migrate.lockTimeout: value "5 seconds" is not a duration; write 500ms, 5s or 2m',
      'migrate.wait: expected a duration such as "5s", got number 60',
      'migrate.lockRetries: expected a whole number (0 or more), got number -1',
      'review.rules.ban-drop-column: expected "error", "warning" or "off", got "fatal"',
      'history.schema: expected a non-empty string, got ""',
    ]);
  });

  it('says "1 problem" in the singular and lists known keys when nothing is close', () => {
    const result = problems({ banana: 1 }, 'dbctl.config.json');
    expect(result.message).toBe('dbctl.config.json has 1 problem');
    expect(result.details).toEqual([
      'banana: unknown key; known keys: drizzleConfig, environments, protect, backup, migrate, review, history, shadow, check',
    ]);
  });

  it('rejects a config that is not an object', () => {
    expect(problems(undefined).details).toEqual(['the config must be an object: export default defineConfig({ ... }), got undefined']);
    expect(problems([]).details[0]).toMatch(/got an array$/);
  });

  it('rejects env() with an empty or invalid variable name', () => {
    expect(problems({ environments: { a: { url: env('') } } }).details).toEqual([
      'environments.a.url: env("") is not a variable name; write env(\'DATABASE_URL\')',
    ]);
  });

  it('wrong-typed sections are reported, not crashed on', () => {
    const result = problems({ environments: [], protect: 'x', backup: null, migrate: 5, review: { rules: [] }, history: true });
    expect(result.details).toEqual([
      'environments: expected an object of named environments, got an array',
      'protect: expected an object, got "x"',
      'backup: expected an object, got null',
      'migrate: expected an object, got number 5',
      'review.rules: expected an object of rule ids to "error", "warning" or "off", got an array',
      'history: expected an object, got boolean true',
    ]);
  });

  it('never echoes a password from a wrong value', () => {
    const result = problems({ backup: { target: 'postgres://u:Hunter22secret@h/db' } });
    expect(result.details.join('\n')).not.toContain('Hunter22secret');
  });

  it('keeps environment names like __proto__ and constructor as plain data', () => {
    const parsed = parse(JSON.parse('{"environments":{"__proto__":"postgres://h/a","constructor":"postgres://h/b"}}'));
    expect(Object.keys(parsed.environments)).toEqual(['__proto__', 'constructor']);
    const name: string = 'constructor';
    expect(parsed.environments[name]?.url).toBe('postgres://h/b');
    expect(Object.getPrototypeOf(parsed.environments)).toBeNull();
  });
});

describe('didYouMean', () => {
  it('suggests close names only', () => {
    expect(didYouMean('stagig', ['development', 'staging', 'production'])).toBe('staging');
    expect(didYouMean('prod', ['development', 'staging', 'production'])).toBeUndefined();
    expect(didYouMean('Environments', ['environments'])).toBe('environments');
    expect(didYouMean('xyz', ['environments'])).toBeUndefined();
  });
});
