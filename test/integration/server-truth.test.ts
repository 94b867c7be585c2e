/**
 * Guards judge the database a command really reaches (issue 8): `?database=` redirects, PGDATABASE
 * filling a url without a database, IPv4 notations and trailing dots against protect.hosts, and the
 * server's own facts (current_database(), session_user, inet_server_addr()) checked once connected.
 * Each refusal is exit 3 with the protected database proven unchanged (md5 over its ordered rows and
 * its catalog).
 */
import { existsSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/io/db.js';
import { resolveConnection } from '../../src/core/url.js';
import { adminUrl, createTestDatabase, withDatabase, type TestDatabase } from '../support/db.js';
import { createProject, type TestProject } from '../support/project.js';

let shop: TestDatabase;
let staging: TestDatabase;
let prod: TestDatabase;
let prod2: TestDatabase;
let project: TestProject;
/** The same databases under `protect: { hosts: ['127.0.0.1'] }`. */
let hostsProject: TestProject;

const admin = () => new URL(adminUrl());
/** The admin url with the database part removed (`postgres://postgres:pw@127.0.0.1:port`). */
const serverUrl = () => {
  const u = admin();
  return `postgres://${u.username}:${u.password}@${u.host}`;
};
/** The admin url with `host` swapped for another notation of the same address. */
const withHost = (url: string, host: string) => url.replace('127.0.0.1', host);

async function seed(db: TestDatabase): Promise<void> {
  await db.sql.unsafe(`create table items (id int primary key, name text not null, note text);
    insert into items select g, 'item ' || g, 'note ' || g from generate_series(1, 50) g`);
}

/** md5 over the ordered rows and the catalog of user tables/columns: any change shows. */
async function fingerprint(db: TestDatabase): Promise<string> {
  const [rows] = await db.sql<{ md5: string }[]>`select md5(coalesce(string_agg(i::text, ',' order by id), '')) as md5 from items i`;
  const [catalog] = await db.sql<{ md5: string }[]>`
    select md5(coalesce(string_agg(table_schema || '.' || table_name || '.' || column_name || ':' || data_type, ',' order by table_schema, table_name, column_name), '')) as md5
      from information_schema.columns where table_schema = 'public'`;
  return `${rows!.md5}/${catalog!.md5}`;
}

beforeAll(async () => {
  [shop, staging, prod, prod2] = await Promise.all([
    createTestDatabase('shop_push'),
    createTestDatabase('app_staging'),
    createTestDatabase('app_prod'),
    createTestDatabase('app_prod2'),
  ]);
  await Promise.all([seed(shop), seed(staging), seed(prod), seed(prod2)]);
  const environments = { development: { url: 'env:DATABASE_URL' }, staging: { url: 'env:STAGING_URL' } };
  project = await createProject(shop.url, { dbctlConfig: { environments } });
  hostsProject = await createProject(shop.url, { dbctlConfig: { environments, protect: { hosts: ['127.0.0.1'] } } });
  // a destructive migration: what the redirected migrate would have applied without a backup
  await project.addMigration({ name: 'drop_note', sql: ['ALTER TABLE items DROP COLUMN note;'] });
  await hostsProject.addMigration({ name: 'drop_note', sql: ['ALTER TABLE items DROP COLUMN note;'] });
}, 120_000);

afterAll(async () => {
  await project?.cleanup();
  await hostsProject?.cleanup();
  await Promise.all([shop, staging, prod, prod2].map((db) => db?.drop()));
});

/** Env for runs: urls with the host written as `localhost` (for hostsProject: protect.hosts ['127.0.0.1'] does not match it by text). */
function vars(extra: Record<string, string> = {}): Record<string, string> {
  return { DATABASE_URL: withHost(shop.url, 'localhost'), STAGING_URL: withHost(staging.url, 'localhost'), ...extra };
}

describe('the guards judge the resolved target', () => {
  it('push --url …/shop_push?database=app_prod --force: exit 3, app_prod unchanged', async () => {
    const before = await fingerprint(prod);
    const url = `${withHost(shop.url, 'localhost')}?database=${prod.name}`;
    const result = await project.dbctl(['push', '--url', url, '--force'], vars());
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain('push is refused');
    expect(result.stderr).toContain(`database name "${prod.name}" contains "prod"`);
    expect(await fingerprint(prod)).toBe(before);
  });

  it('migrate --env staging --url …/app_staging?database=app_prod2 --no-backup: exit 3, app_prod2 unchanged', async () => {
    const before = await fingerprint(prod2);
    const url = `${withHost(staging.url, 'localhost')}?database=${prod2.name}`;
    const result = await project.dbctl(['migrate', '--env', 'staging', '--url', url, '--no-backup', '--json'], vars());
    expect(result.code, result.stderr).toBe(3);
    expect(result.json().status).toBe('refused');
    expect(result.stderr).toContain(prod2.name);
    expect(await fingerprint(prod2)).toBe(before);
    // refused before anything was written: not even dbctl's history schema exists there
    const [schemas] = await prod2.sql<{ n: number }[]>`select count(*)::int as n from pg_namespace where nspname in ('dbctl', 'drizzle')`;
    expect(schemas!.n).toBe(0);
    // the run was labelled with the database it would have reached, not the url's path
    expect(result.stderr).not.toMatch(new RegExp(`/${staging.name}\\b`));
  });

  it('PGDATABASE=app_prod with a url naming no database: push and migrate refused, app_prod unchanged', async () => {
    const before = await fingerprint(prod);
    const noDatabase = withHost(serverUrl(), 'localhost');
    const push = await project.dbctl(['push', '--force'], vars({ DATABASE_URL: noDatabase, PGDATABASE: prod.name }));
    expect(push.code, push.stderr).toBe(3);
    expect(push.stderr).toContain(`database name "${prod.name}" contains "prod"`);
    const migrate = await project.dbctl(['migrate', '--no-backup'], vars({ DATABASE_URL: noDatabase, PGDATABASE: prod.name }));
    expect(migrate.code, migrate.stderr).toBe(3);
    expect(await fingerprint(prod)).toBe(before);
  });

  it('restore through ?database=: exit 3 without --allow-restore, app_prod unchanged', async () => {
    const backup = await project.dbctl(['backup', '--env', 'staging', '--json'], vars());
    expect(backup.code, backup.stderr).toBe(0);
    const id = backup.json().id as string;
    await prod.sql.unsafe(`delete from items where id > 40`);
    const before = await fingerprint(prod);
    const url = `${withHost(staging.url, 'localhost')}?database=${prod.name}`;
    const result = await project.dbctl(['restore', id, '--env', 'staging', '--url', url], vars());
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain(prod.name);
    expect(await fingerprint(prod)).toBe(before);
  });

  it('protect.hosts 127.0.0.1 holds for 127.1, 2130706433, 0x7f000001, 0177.0.0.1 and [::ffff:127.0.0.1]', async () => {
    const before = await fingerprint(shop);
    for (const host of ['127.1', '2130706433', '0x7f000001', '0177.0.0.1', '[::ffff:127.0.0.1]', '127.0.0.1']) {
      const result = await hostsProject.dbctl(['push', '--force'], vars({ DATABASE_URL: withHost(shop.url, host) }));
      expect(result.code, `${host}: ${result.stderr}`).toBe(3);
      expect(result.stderr).toContain('matches protect.hosts "127.0.0.1"');
    }
    expect(await fingerprint(shop)).toBe(before);
  });

  it('a protect.hosts entry with a port or scheme is a config error (exit 2)', async () => {
    const other = await createProject(shop.url, {
      dbctlConfig: {
        environments: { development: 'env:DATABASE_URL' },
        protect: { hosts: ['127.0.0.1:5432', 'postgres://db.example.com'] },
      },
    });
    try {
      const result = await other.dbctl(['status']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('protect.hosts[0] "127.0.0.1:5432" has a port');
      expect(result.stderr).toContain('protect.hosts[1] "postgres://db.example.com" has a scheme');
    } finally {
      await other.cleanup();
    }
  });

  it('a malformed url (unencoded @, a bad %) is exit 2 in one line', async () => {
    for (const url of [
      withHost(serverUrl(), 'localhost').replace(':dbctl-test-secret@', ':dbctl@test@secret@'),
      serverUrl().replace('secret', '50%secret'),
    ]) {
      const result = await project.dbctl(['status', '--url', `${url}/x`]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim().split('\n')[0]).toMatch(/^error: --url has /);
      expect(result.stderr).not.toContain('secret');
    }
  });
});

describe("the server's own facts", () => {
  it('a url host that is a name for a protected address is refused once connected (TARGET_MISMATCH, exit 3)', async () => {
    const before = await fingerprint(shop);
    // "localhost" is not 127.0.0.1 by text; the server says inet_server_addr() is 127.0.0.1
    const result = await hostsProject.dbctl(['push', '--force'], vars({ DATABASE_URL: withHost(shop.url, 'localhost') }));
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain('127.0.0.1');
    expect(result.stderr).toContain('matches protect.hosts');
    expect(await fingerprint(shop)).toBe(before);
    const status = await hostsProject.dbctl(['status', '--json'], vars({ DATABASE_URL: withHost(shop.url, 'localhost') }));
    expect(status.code, status.stderr).toBe(3);
    expect(status.json().error.code).toBe('TARGET_MISMATCH');
    // the same project without protect.hosts reaches it
    expect((await project.dbctl(['status'], vars())).code).not.toBe(3);
  });

  it('an environment with no protect.hosts match connects, and its label names the resolved database', async () => {
    const plain = await createProject(shop.url, { dbctlConfig: { environments: { development: 'env:DATABASE_URL' } } });
    try {
      const result = await plain.dbctl(['status'], {
        DATABASE_URL: `${withHost(serverUrl(), 'localhost')}/postgres?database=${shop.name}`,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(`${result.stdout}${result.stderr}`).toContain(`localhost:${admin().port}/${shop.name}`);
    } finally {
      await plain.cleanup();
    }
  });

  it('unix-socket urls reach the server (no address: nothing to match against protect.hosts)', async (test) => {
    const u = admin();
    if (!existsSync(`/tmp/.s.PGSQL.${u.port}`)) test.skip(); // a server without a socket in /tmp (a container)
    const forms = [
      `postgres://${u.username}:${u.password}@/${shop.name}?host=/tmp&port=${u.port}`,
      `postgres://${u.username}:${u.password}@%2Ftmp:${u.port}/${shop.name}`,
    ];
    for (const url of forms) {
      const result = await hostsProject.dbctl(['status', '--json'], { DATABASE_URL: url });
      expect(result.code, `${url}: ${result.stderr}`).not.toBe(4);
      expect(result.code).not.toBe(3);
      expect(result.json().env).toBe('development');
    }
    const viaEnv = await hostsProject.dbctl(['status'], {
      DATABASE_URL: `postgres://${u.username}:${u.password}@/${shop.name}`,
      PGHOST: '/tmp',
      PGPORT: u.port,
    });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    expect(`${viaEnv.stdout}${viaEnv.stderr}`).toContain(`/tmp/.s.PGSQL.${u.port}/${shop.name}`);
  });

  it('a database the resolution did not foresee (smuggled as a startup parameter) is refused, naming both', async () => {
    const target = resolveConnection(withDatabase(adminUrl(), shop.name), {}, 'postgres');
    const smuggled = { ...target, startup: { database: prod.name } };
    const error = await connect(
      { name: 'staging', connection: smuggled, protected: false, protectHosts: [] },
      { envName: 'staging', application: 'dbctl test' },
    ).then(
      (db) => db.close().then(() => undefined),
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'TARGET_MISMATCH', exitCode: 3 });
    expect((error as Error).message).toContain(`current_database() is "${prod.name}", not "${shop.name}"`);
    expect((error as Error).message).not.toContain('dbctl-test-secret');
  });

  it('a login the resolution did not foresee is refused too', async () => {
    const sql = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    await sql.unsafe(
      `do $$ begin if not exists (select from pg_roles where rolname = 'truth_other') then create role truth_other login password 'truth-pw-123'; end if; end $$`,
    );
    await sql.end();
    const target = resolveConnection(withDatabase(adminUrl(), shop.name), {}, 'postgres');
    const smuggled = { ...target, startup: { user: 'truth_other' }, password: 'truth-pw-123' };
    const error = await connect(
      { name: 'x', connection: smuggled, protected: false, protectHosts: [] },
      { envName: 'x', application: 'dbctl test' },
    ).then(
      (db) => db.close().then(() => undefined),
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'TARGET_MISMATCH' });
    expect((error as Error).message).toContain('session_user is "truth_other", not "postgres"');
  });
});
