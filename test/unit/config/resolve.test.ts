import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { env, environmentProtection, resolveEnvironment } from '../../../src/config/index.js';
import { parseUserConfig } from '../../../src/config/schema.js';
import type { DrizzleSettings, ProjectConfig, UserConfig } from '../../../src/config/types.js';
import { DbctlError } from '../../../src/errors.js';

const projectDir = path.resolve('/projects/app');

function project(user: UserConfig | Record<string, unknown>, drizzleUrl?: string): ProjectConfig {
  const parsed = parseUserConfig(user, { projectDir, label: 'dbctl.config.ts' });
  const drizzle: DrizzleSettings = {
    configPath: path.join(projectDir, 'drizzle.config.ts'),
    baseDir: projectDir,
    dialect: 'postgresql',
    schema: './src/schema.ts',
    out: path.join(projectDir, 'drizzle'),
    outRelative: 'drizzle',
    migrationsTable: '__drizzle_migrations',
    migrationsSchema: 'drizzle',
    prefix: 'index',
    casing: undefined,
    url: drizzleUrl,
    schemaFilter: ['public'],
    tablesFilter: undefined,
    extensionsFilters: undefined,
    strict: false,
    verbose: false,
    breakpoints: true,
  };
  return { projectDir, configPath: path.join(projectDir, 'dbctl.config.ts'), drizzle, ...parsed };
}

function caught(run: () => unknown): DbctlError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DbctlError);
    return error as DbctlError;
  }
  throw new Error('expected an error');
}

const configured = project({
  environments: {
    development: { url: 'postgres://dev@localhost:5432/app' },
    staging: { url: env('STAGING_DATABASE_URL') },
    production: { url: 'env:PRODUCTION_DATABASE_URL', protected: true },
  },
  protect: { hosts: ['*.prod.example.com'] },
});

describe('resolveEnvironment', () => {
  it('defaults to development and reads a plain url', () => {
    expect(resolveEnvironment(configured, { env: {} })).toEqual({
      name: 'development',
      url: 'postgres://dev@localhost:5432/app',
      protected: false,
      protectionReasons: [],
      connection: expect.objectContaining({
        hosts: ['localhost'],
        ports: [5432],
        database: 'app',
        user: 'dev',
        socket: false,
        databaseFrom: 'url path',
      }),
      protectHosts: ['*.prod.example.com'],
    });
  });

  it("reads env('NAME') and env:NAME from the env map, only for the selected environment", () => {
    const vars = { STAGING_DATABASE_URL: 'postgres://u:pw@staging.example.com/app' };
    expect(resolveEnvironment(configured, { envName: 'staging', env: vars }).url).toBe(vars.STAGING_DATABASE_URL);
    // production's variable is unset, which does not matter while staging is selected
    const prod = resolveEnvironment(configured, {
      envName: 'production',
      env: { PRODUCTION_DATABASE_URL: 'postgres://u@db.prod.example.com/app' },
    });
    expect(prod.protected).toBe(true);
    expect(prod.protectionReasons).toEqual([
      'config sets protected: true',
      'environment name "production" contains "production"',
      'host "db.prod.example.com" contains "prod"',
      'host "db.prod.example.com" matches protect.hosts "*.prod.example.com"',
    ]);
  });

  it('names the unset variable and the environment', () => {
    const error = caught(() => resolveEnvironment(configured, { envName: 'staging', env: {} }));
    expect(error.code).toBe('URL_UNSET');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('environment "staging" has no database url: STAGING_DATABASE_URL is not set');
    expect(error.hint).toBe('export STAGING_DATABASE_URL=postgres://… or pass --url');
    const empty = caught(() => resolveEnvironment(configured, { envName: 'production', env: { PRODUCTION_DATABASE_URL: '' } }));
    expect(empty.message).toBe('environment "production" has no database url: PRODUCTION_DATABASE_URL is not set');
  });

  it('names the environment when no variable is known (process.env.X was undefined)', () => {
    const p = project({ environments: { preview: { url: undefined } } });
    const error = caught(() => resolveEnvironment(p, { envName: 'preview', env: { DATABASE_URL: 'postgres://h/db' } }));
    expect(error.code).toBe('URL_UNSET');
    expect(error.message).toBe('environment "preview" has no database url');
  });

  it('lists the configured environments for an unknown one, with a suggestion', () => {
    const error = caught(() => resolveEnvironment(configured, { envName: 'stagig', env: {} }));
    expect(error.code).toBe('UNKNOWN_ENV');
    expect(error.message).toBe('unknown environment "stagig"; configured: development, staging, production');
    expect(error.hint).toBe('did you mean --env staging?');
    const far = caught(() => resolveEnvironment(configured, { envName: 'qa', env: {} }));
    expect(far.hint).toBe('pass --env with one of them, or add "qa" under environments in dbctl.config.ts');
  });

  it('does not take inherited object keys for environments', () => {
    expect(caught(() => resolveEnvironment(configured, { envName: 'constructor', env: {} })).code).toBe('UNKNOWN_ENV');
    expect(caught(() => resolveEnvironment(configured, { envName: 'toString', env: {} })).code).toBe('UNKNOWN_ENV');
  });

  it('rejects development when other environments are configured but development is not', () => {
    const p = project({ environments: { staging: 'postgres://h/s' } });
    expect(caught(() => resolveEnvironment(p, { env: {} })).message).toBe('unknown environment "development"; configured: staging');
  });

  describe('with no environments configured', () => {
    it('uses --url, then the drizzle config url, then DATABASE_URL for development', () => {
      const bare = project({}, 'postgres://drizzle@localhost/app');
      expect(
        resolveEnvironment(bare, { env: { DATABASE_URL: 'postgres://env@localhost/app' }, urlOverride: 'postgres://flag@localhost/app' })
          .url,
      ).toBe('postgres://flag@localhost/app');
      expect(resolveEnvironment(bare, { env: { DATABASE_URL: 'postgres://env@localhost/app' } }).url).toBe(
        'postgres://drizzle@localhost/app',
      );
      expect(resolveEnvironment(project({}), { env: { DATABASE_URL: 'postgres://env@localhost/app' } }).url).toBe(
        'postgres://env@localhost/app',
      );
    });

    it('names DATABASE_URL when nothing gives a url', () => {
      const error = caught(() => resolveEnvironment(project({}), { env: {} }));
      expect(error.code).toBe('URL_UNSET');
      expect(error.message).toBe('environment "development" has no database url: DATABASE_URL is not set');
    });

    it('treats any other name as unknown', () => {
      const error = caught(() => resolveEnvironment(project({}), { envName: 'staging', env: { DATABASE_URL: 'postgres://h/db' } }));
      expect(error.code).toBe('UNKNOWN_ENV');
      expect(error.message).toBe('unknown environment "staging"; no environments are configured');
    });

    it('protects development when its url points at production', () => {
      const resolved = resolveEnvironment(project({}), { env: { DATABASE_URL: 'postgres://u:pw@localhost/app_prod' } });
      expect(resolved.protected).toBe(true);
      expect(resolved.protectionReasons).toEqual(['database name "app_prod" contains "prod"']);
    });
  });

  describe('--url override', () => {
    it('replaces the url and keeps the protection of the environment', () => {
      const resolved = resolveEnvironment(configured, {
        envName: 'production',
        urlOverride: 'postgres://u@localhost/app',
        env: { PRODUCTION_DATABASE_URL: 'postgres://u@db.prod.example.com/app' },
      });
      expect(resolved.url).toBe('postgres://u@localhost/app');
      expect(resolved.protected).toBe(true);
      expect(resolved.protectionReasons).toContain('config sets protected: true');
      expect(resolved.protectionReasons).toContain('host "db.prod.example.com" matches protect.hosts "*.prod.example.com"');
    });

    it('adds the protection of the override url', () => {
      const resolved = resolveEnvironment(configured, {
        envName: 'development',
        urlOverride: 'postgres://u:pw@db.prod.example.com/app',
        env: {},
      });
      expect(resolved.protected).toBe(true);
      expect(resolved.protectionReasons).toEqual([
        'host "db.prod.example.com" contains "prod"',
        'host "db.prod.example.com" matches protect.hosts "*.prod.example.com"',
      ]);
    });

    it('does not need the environment variable to be set', () => {
      const resolved = resolveEnvironment(configured, { envName: 'staging', urlOverride: 'postgres://u@localhost/app', env: {} });
      expect(resolved).toEqual({
        name: 'staging',
        url: 'postgres://u@localhost/app',
        protected: false,
        protectionReasons: [],
        via: '--url',
        connection: expect.objectContaining({ hosts: ['localhost'], database: 'app', user: 'u' }),
        protectHosts: ['*.prod.example.com'],
      });
    });

    it('rejects an override that is not a postgres url, without echoing it', () => {
      const error = caught(() => resolveEnvironment(configured, { urlOverride: 'mysql://root:Sup3rSecret@h/db', env: {} }));
      expect(error.code).toBe('USAGE');
      expect(error.message).toBe('--url is not a PostgreSQL url (it starts with mysql://)');
      expect(`${error.message} ${error.hint}`).not.toContain('Sup3rSecret');
    });
  });

  it('accepts a unix-socket url', () => {
    const url = 'postgres://app@/app_db?host=/var/run/postgresql';
    expect(resolveEnvironment(configured, { envName: 'staging', env: { STAGING_DATABASE_URL: url } })).toEqual({
      name: 'staging',
      url,
      protected: false,
      protectionReasons: [],
      connection: expect.objectContaining({ hosts: ['/var/run/postgresql'], ports: [5432], socket: true, database: 'app_db', user: 'app' }),
      protectHosts: ['*.prod.example.com'],
    });
  });

  it('rejects a configured url that is not a postgres url, naming its variable', () => {
    const error = caught(() => resolveEnvironment(configured, { envName: 'staging', env: { STAGING_DATABASE_URL: 'localhost:5432' } }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('STAGING_DATABASE_URL (url of environment "staging") is not a PostgreSQL url');
  });

  it('never puts a password in any error message', () => {
    const secret = 'N0tInLogs!';
    const url = `postgres://admin:${encodeURIComponent(secret)}@db.example.com/app`;
    const attempts: Array<() => unknown> = [
      () => resolveEnvironment(configured, { envName: 'stagig', urlOverride: url, env: { STAGING_DATABASE_URL: url } }),
      () =>
        resolveEnvironment(configured, {
          envName: 'staging',
          urlOverride: `http://admin:${secret}@h/db`,
          env: { STAGING_DATABASE_URL: url },
        }),
      () => resolveEnvironment(configured, { envName: 'staging', env: { STAGING_DATABASE_URL: `admin:${secret}@db.example.com/app` } }),
      () => resolveEnvironment(project({ environments: { x: `pg://admin:${secret}@h/db` } }), { envName: 'x', env: {} }),
    ];
    for (const attempt of attempts) {
      const error = caught(attempt);
      const text = [error.message, error.hint ?? '', ...error.details].join('\n');
      expect(text).not.toContain(secret);
      expect(text).not.toContain(encodeURIComponent(secret));
    }
  });
});

describe('environmentProtection', () => {
  it('decides protection without the url being set', () => {
    expect(environmentProtection(configured, 'production', {})).toEqual({
      name: 'production',
      protected: true,
      reasons: ['config sets protected: true', 'environment name "production" contains "production"'],
    });
    expect(environmentProtection(configured, 'staging', {})).toEqual({ name: 'staging', protected: false, reasons: [] });
  });

  it('uses the url when it is available, and an override url too', () => {
    expect(environmentProtection(configured, 'staging', { STAGING_DATABASE_URL: 'postgres://u@live-db.internal/app' }).protected).toBe(
      true,
    );
    expect(environmentProtection(configured, 'staging', {}, 'postgres://u@db.prod.example.com/app').protected).toBe(true);
  });

  it('defaults to development and rejects unknown environments', () => {
    expect(environmentProtection(configured, undefined, {}).name).toBe('development');
    expect(caught(() => environmentProtection(configured, 'prodd', {})).code).toBe('UNKNOWN_ENV');
  });
});

describe('directUrl', () => {
  const pooled = project({
    environments: {
      staging: { url: env('STAGING_URL'), directUrl: env('STAGING_DIRECT_URL') },
      neon: { url: 'postgres://u@ep-x-pooler.eu.aws.neon.tech/app', directUrl: 'env:NEON_DIRECT' },
      plain: { url: 'postgres://u@localhost/app' },
      sneaky: { url: 'postgres://u@localhost:6432/app', directUrl: 'postgres://u@localhost:5432/app_prod' },
    },
  });
  const vars = { STAGING_URL: 'postgres://u:pw@pooler.internal:6432/app', STAGING_DIRECT_URL: 'postgres://u:pw@db.internal:5432/app' };

  it('is parsed from env(), env: and plain strings', () => {
    expect(pooled.environments.staging?.directUrl).toEqual({ __dbctlEnv: 'STAGING_DIRECT_URL' });
    expect(pooled.environments.neon?.directUrl).toEqual({ __dbctlEnv: 'NEON_DIRECT' });
    expect(pooled.environments.sneaky?.directUrl).toBe('postgres://u@localhost:5432/app_prod');
    expect(pooled.environments.plain?.directUrl).toBeUndefined();
  });

  it('is what session commands connect through; push (use: url) keeps url', () => {
    const session = resolveEnvironment(pooled, { envName: 'staging', env: vars });
    expect(session.url).toBe(vars.STAGING_DIRECT_URL);
    expect(session.via).toBe('directUrl');
    const push = resolveEnvironment(pooled, { envName: 'staging', env: vars, use: 'url' });
    expect(push.url).toBe(vars.STAGING_URL);
    expect(push.via).toBeUndefined();
    expect(resolveEnvironment(pooled, { envName: 'plain', env: {} }).url).toBe('postgres://u@localhost/app');
  });

  it('is resolved lazily: an unset directUrl variable is an error only when used, naming it', () => {
    const error = caught(() => resolveEnvironment(pooled, { envName: 'staging', env: { STAGING_URL: vars.STAGING_URL } }));
    expect(error.code).toBe('URL_UNSET');
    expect(error.message).toBe('environment "staging" has no directUrl: STAGING_DIRECT_URL is not set');
    expect(resolveEnvironment(pooled, { envName: 'staging', env: { STAGING_URL: vars.STAGING_URL }, use: 'url' }).url).toBe(
      vars.STAGING_URL,
    );
    // other environments' variables are never read
    expect(resolveEnvironment(pooled, { envName: 'plain', env: {} }).protected).toBe(false);
  });

  it('--url replaces both for the run', () => {
    const resolved = resolveEnvironment(pooled, { envName: 'staging', env: {}, urlOverride: 'postgres://u@localhost/other' });
    expect(resolved.url).toBe('postgres://u@localhost/other');
    expect(resolved.via).toBe('--url');
  });

  it('protects the environment when either url is protected', () => {
    const viaUrl = resolveEnvironment(pooled, { envName: 'sneaky', env: {}, use: 'url' });
    expect(viaUrl.protected).toBe(true);
    expect(viaUrl.protectionReasons).toEqual(['database name "app_prod" contains "prod"']);
    expect(environmentProtection(pooled, 'sneaky', {}).protected).toBe(true);
    expect(environmentProtection(pooled, 'staging', { ...vars, STAGING_DIRECT_URL: 'postgres://u@live-db.internal/app' }).protected).toBe(
      true,
    );
  });

  it('rejects a directUrl that is not a postgres url, naming its variable', () => {
    const error = caught(() => resolveEnvironment(pooled, { envName: 'staging', env: { ...vars, STAGING_DIRECT_URL: 'localhost:5432' } }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('STAGING_DIRECT_URL (directUrl of environment "staging") is not a PostgreSQL url');
  });
});

describe('protection judges the url as the driver resolves it', () => {
  const plain = project({
    environments: { staging: { url: env('STAGING_URL') }, development: 'postgres://app@localhost/app' },
    protect: { hosts: ['127.0.0.1', 'localhost.'] },
  });
  const open = project({ environments: { staging: { url: env('STAGING_URL') }, development: 'postgres://app@db.internal' } });

  it('?database= redirects are judged by the database reached', () => {
    const p = environmentProtection(
      open,
      'staging',
      { STAGING_URL: 'postgres://u@db.internal/app_staging' },
      'postgres://u@db.internal/shop_push?database=app_prod',
    );
    expect(p.protected).toBe(true);
    expect(p.reasons).toEqual(['database name "app_prod" contains "prod"']);
    const resolved = resolveEnvironment(open, {
      envName: 'staging',
      env: { STAGING_URL: 'postgres://u@db.internal/app_staging?database=app_prod2' },
    });
    expect(resolved.protected).toBe(true);
    expect(resolved.connection.database).toBe('app_prod2');
  });

  it('PGDATABASE fills a url that names no database', () => {
    const resolved = resolveEnvironment(open, { env: { PGDATABASE: 'app_prod' } });
    expect(resolved.connection.database).toBe('app_prod');
    expect(resolved.protectionReasons).toEqual(['database name "app_prod" contains "prod"']);
    // without it, the database is the user's name, as the driver does
    expect(resolveEnvironment(open, { env: {} }).connection.database).toBe('app');
  });

  it('PGHOST fills a url that names no host; protect.hosts match every IP notation', () => {
    for (const host of ['127.1', '2130706433', '0x7f000001', '0177.0.0.1', '[::ffff:127.0.0.1]', 'localhost', 'LOCALHOST.']) {
      const resolved = resolveEnvironment(plain, { envName: 'staging', env: { STAGING_URL: `postgres://u@${host}/app` } });
      expect(resolved.protected, host).toBe(true);
    }
    const viaEnv = resolveEnvironment(plain, { envName: 'staging', env: { STAGING_URL: 'postgres://u@/app', PGHOST: '127.1' } });
    expect(viaEnv.protected).toBe(true);
  });

  it('malformed urls are one line, exit 2, never echoing the password', () => {
    for (const url of ['postgres://u:p@ss@h/db', 'postgres://u:50%secret@h/db']) {
      const error = caught(() => resolveEnvironment(open, { envName: 'staging', env: { STAGING_URL: url } }));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.exitCode).toBe(2);
      expect(error.message).toMatch(/^STAGING_URL \(url of environment "staging"\) has /);
      expect(error.message).not.toMatch(/ss@|secret/);
      const flag = caught(() => resolveEnvironment(open, { envName: 'staging', urlOverride: url, env: {} }));
      expect(flag.code).toBe('USAGE');
      expect(flag.message).toMatch(/^--url has /);
    }
  });

  it('protect.hosts entries with a scheme, port, user or path are config errors', () => {
    const error = caught(() =>
      project({ protect: { hosts: ['db.prod.example.com:5432', 'postgres://h', 'admin:pw@h', 'h/app', '*.ok.example.com'] } }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details).toEqual([
      'protect.hosts[0] "db.prod.example.com:5432" has a port; give the host only (every port of the host is protected)',
      'protect.hosts[1] "postgres://h" has a scheme; give the host only, e.g. "db.prod.example.com"',
      'protect.hosts[2] has a user; give the host only',
      'protect.hosts[3] "h/app" has a path; give the host only',
    ]);
    expect(error.details.join('\n')).not.toContain('pw');
  });
});
