import { describe, expect, it } from 'vitest';
import {
  canonicalHost,
  describeTarget,
  describeUrl,
  redactText,
  redactUrl,
  resolveConnection,
  secretsOf,
  serverMismatch,
  UrlProblem,
  type ConnectionTarget,
} from '../../../src/core/url.js';
import { hostMatches, protectHostProblem, protectionOf } from '../../../src/config/protection.js';

type Env = Record<string, string>;

interface ResolveCase {
  url: string;
  env?: Env;
  /** What must hold of the resolution (a subset of ConnectionTarget). */
  expect: Partial<ConnectionTarget>;
}

const OS = 'osuser';

/** url + environment → where the driver connects. Every route of issue 8 is here. */
const resolveCases: ResolveCase[] = [
  // the database: ?database= and ?dbname= win over the path (the driver sends them at startup)
  { url: 'postgres://u:p@localhost/shop_push?database=app_prod', expect: { database: 'app_prod', databaseFrom: '?database=' } },
  { url: 'postgres://u@localhost/app_staging?database=app_prod2', expect: { database: 'app_prod2' } },
  { url: 'postgres://u@localhost/app?dbname=app_prod', expect: { database: 'app_prod', databaseFrom: '?dbname=' } },
  { url: 'postgres://u@localhost/app?dbname=x&database=x', expect: { database: 'x' } },
  { url: 'postgres://u@localhost/app', expect: { database: 'app', databaseFrom: 'url path' } },
  { url: 'postgres://u@localhost/app%5Fprod', expect: { database: 'app_prod' } },
  { url: 'postgres://u@localhost/my%20db', expect: { database: 'my db' } },
  // PG* fill what the url leaves out
  { url: 'postgres://app@localhost', env: { PGDATABASE: 'app_prod' }, expect: { database: 'app_prod', databaseFrom: 'PGDATABASE' } },
  { url: 'postgres://app@localhost/', env: { PGDATABASE: 'app_prod' }, expect: { database: 'app_prod' } },
  { url: 'postgres://app@localhost/mine', env: { PGDATABASE: 'app_prod' }, expect: { database: 'mine' } },
  { url: 'postgres://app@localhost', expect: { database: 'app', databaseFrom: 'user name' } },
  { url: 'postgres://localhost', expect: { user: OS, database: OS } },
  { url: 'postgres://localhost', env: { PGUSER: 'pguser' }, expect: { user: 'pguser', database: 'pguser' } },
  { url: 'postgres://localhost', env: { PGUSERNAME: 'pgname' }, expect: { user: 'pgname' } },
  { url: 'postgres://url_user@localhost', env: { PGUSER: 'pguser' }, expect: { user: 'url_user' } },
  { url: 'postgres:///db', env: { PGHOST: 'db.prod.internal' }, expect: { hosts: ['db.prod.internal'], ports: [5432] } },
  { url: 'postgres:///db', env: { PGHOST: 'h', PGPORT: '6543' }, expect: { hosts: ['h'], ports: [6543] } },
  { url: 'postgres://h:5433/db', env: { PGPORT: '6543' }, expect: { ports: [5433] } },
  { url: 'postgres://h/db', env: { PGPORT: '6543' }, expect: { ports: [6543] } },
  { url: 'postgres:///db', expect: { hosts: ['localhost'], ports: [5432], socket: false } },
  { url: 'postgres://u@h/db', env: { PGPASSWORD: 'from-env' }, expect: { password: 'from-env' } },
  { url: 'postgres://u:url-pw@h/db', env: { PGPASSWORD: 'from-env' }, expect: { password: 'url-pw' } },
  { url: 'postgres://u@h/db', env: { PGSSLMODE: 'require' }, expect: { ssl: 'require' } },
  { url: 'postgres://u@h/db', env: { PGOPTIONS: '-c search_path=x' }, expect: { startup: { options: '-c search_path=x' } } },
  {
    url: 'postgres://u@h/db?options=-c%20statement_timeout%3D0',
    env: { PGOPTIONS: '-c search_path=x' },
    expect: { startup: { options: '-c statement_timeout=0' } },
  },
  // query parameters
  { url: 'postgres://u@h/db?host=other', expect: { hosts: ['other'] } },
  { url: 'postgres://u@h:6000/db?host=/tmp', expect: { hosts: ['/tmp'], ports: [6000], socket: true } },
  { url: 'postgres://u@:6000/db?host=/tmp', expect: { hosts: ['/tmp'], ports: [6000], socket: true } },
  { url: 'postgres://u@h:5432/db?port=6432', expect: { ports: [6432] } },
  { url: 'postgres://u@h/db?user=admin', expect: { user: 'admin' } },
  { url: 'postgres://u:a@h/db?password=b', expect: { password: 'b' } },
  { url: 'postgres://u@h/db?search_path=app,public', expect: { startup: { search_path: 'app,public' } } },
  { url: 'postgres://u@h/db?options=-c+search_path%3Dapp', expect: { startup: { options: '-c search_path=app' } } },
  { url: 'postgres://u@h/db?sslmode=require', expect: { ssl: 'require' } },
  { url: 'postgres://u@h/db?sslmode=disable', expect: { ssl: undefined } },
  { url: 'postgres://u@h/db?sslmode=verify-full', expect: { ssl: 'verify-full' } },
  { url: 'postgres://u@h/db?ssl=true', expect: { ssl: 'verify-full' } },
  { url: 'postgres://u@h/db?sslrootcert=system', expect: { ssl: 'verify-full' } },
  { url: 'postgres://u@h/db?connect_timeout=3', expect: { connectTimeoutS: 3 } },
  { url: 'postgres://u@h/db?target_session_attrs=read-write', expect: { targetSessionAttrs: 'read-write' } },
  { url: 'postgres://u@h/db?pgbouncer=true&connection_limit=1', expect: { prepare: false, startup: {} } },
  { url: 'postgres://u@h/db?prepare=false', expect: { prepare: false } },
  { url: 'postgres://u@h/db?application_name=x', expect: { startup: {} } },
  // unix sockets
  { url: 'postgres://u@/db?host=/run/postgresql', expect: { hosts: ['/run/postgresql'], socket: true, ports: [5432], database: 'db' } },
  { url: 'postgres://u@%2Frun%2Fpostgresql/db', expect: { hosts: ['/run/postgresql'], socket: true, database: 'db' } },
  { url: 'postgres://u@%2Frun%2Fpostgresql:5433/db', expect: { hosts: ['/run/postgresql'], ports: [5433], socket: true } },
  { url: 'postgres:///db?host=/tmp/&port=6000', expect: { hosts: ['/tmp'], ports: [6000], socket: true } },
  { url: 'postgres:///db', env: { PGHOST: '/var/run/postgresql' }, expect: { hosts: ['/var/run/postgresql'], socket: true } },
  // hosts, canonical
  { url: 'postgres://u@127.1/db', expect: { hosts: ['127.0.0.1'] } },
  { url: 'postgres://u@2130706433/db', expect: { hosts: ['127.0.0.1'] } },
  { url: 'postgres://u@0x7f000001/db', expect: { hosts: ['127.0.0.1'] } },
  { url: 'postgres://u@0177.0.0.1/db', expect: { hosts: ['127.0.0.1'] } },
  { url: 'postgres://u@[::ffff:127.0.0.1]/db', expect: { hosts: ['127.0.0.1'] } },
  { url: 'postgres://u@[::1]:5433/db', expect: { hosts: ['::1'], ports: [5433] } },
  { url: 'postgres://u@LOCALHOST./db', expect: { hosts: ['localhost'] } },
  { url: 'postgres://u@DB.Prod.Example.COM/db', expect: { hosts: ['db.prod.example.com'] } },
  { url: 'postgres://u@h1:5432,h2:5433/db', expect: { hosts: ['h1', 'h2'], ports: [5432, 5433] } },
  { url: 'postgres://u@h1,h2/db?port=6000', expect: { hosts: ['h1', 'h2'], ports: [6000, 6000] } },
  // user and password forms
  { url: 'postgres://u%40corp:p%40ss@h/db', expect: { user: 'u@corp', password: 'p@ss' } },
  { url: 'postgres://u:p:w@h/db', expect: { user: 'u', password: 'p:w' } },
  { url: 'postgres://u:@h/db', expect: { password: undefined } },
  { url: 'postgresql://U:pw@h/db', expect: { user: 'U' } },
  { url: '  postgres://u@h/db  ', expect: { database: 'db' } },
];

const problemCases: { url: string; env?: Env; says: string }[] = [
  { url: 'postgres://u:p@ss@h/db', says: "unencoded '@'" },
  { url: 'postgres://u:50%@h/db', says: "'%'" },
  { url: 'postgres://u:p%zz@h/db', says: "'%'" },
  { url: 'postgres://u:%ff@h/db', says: 'not UTF-8' },
  { url: 'postgres://u:pa/ss@h/db', says: "'@' after its host" },
  { url: 'postgres://u:pa?ss@h/db', says: "'@' after its host" },
  { url: 'postgres://u:pa#ss@h/db', says: "'#'" },
  { url: 'postgres://u@h/db?database=a&dbname=b', says: '?database= and ?dbname=' },
  { url: 'postgres://u@h/db?database=a&database=b', says: 'twice' },
  { url: 'postgres://u@h/db?hostaddr=10.0.0.1', says: 'hostaddr' },
  { url: 'postgres://u@h/db?service=prod', says: 'service' },
  { url: 'postgres://u@h/db?replication=database', says: 'replication' },
  { url: 'postgres://u@h/db?sslrootcert=/etc/ca.pem', says: 'sslrootcert' },
  { url: 'postgres://u@h/db?sslmode=sometimes', says: 'sslmode' },
  { url: 'postgres://u@h/db?schema=app', says: 'schema' },
  { url: 'postgres://u@h/db?Database=app_prod', says: 'different case' },
  { url: 'postgres://u@h:99999/db', says: 'port' },
  { url: 'postgres://u@h:abc/db', says: 'port' },
  { url: 'postgres://u@::1/db', says: 'brackets' },
  { url: 'postgres://u@/db?host=/run/a,/run/b', says: 'socket' },
  { url: 'mysql://u@h/db', says: 'not a PostgreSQL url (it starts with mysql://)' },
  { url: 'localhost:5432', says: 'not a PostgreSQL url' },
  { url: 'postgres://u@h/db?flag', says: "without '='" },
];

describe('resolveConnection', () => {
  it('has at least 60 url/env cases', () => expect(resolveCases.length + problemCases.length).toBeGreaterThanOrEqual(60));

  it.each(resolveCases)('$url $env', (c) => {
    expect(resolveConnection(c.url, c.env ?? {}, OS)).toMatchObject(c.expect);
  });

  it.each(problemCases)('refuses $url', (c) => {
    let error: unknown;
    try {
      resolveConnection(c.url, c.env ?? {}, OS);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UrlProblem);
    expect((error as Error).message).toContain(c.says);
    expect((error as Error).message).not.toMatch(/ss@|50%|pa\/ss|zz/);
  });

  it('describes where it connects, never the password', () => {
    expect(describeTarget(resolveConnection('postgres://u:pw@h/shop_push?database=app_prod', {}, OS))).toBe('u@h:5432/app_prod');
    expect(describeTarget(resolveConnection('postgres://u@/db?host=/run/postgresql', {}, OS))).toBe('u@/run/postgresql/.s.PGSQL.5432/db');
    expect(describeTarget(resolveConnection('postgres://u@[::1]/db', {}, OS))).toBe('u@[::1]:5432/db');
    expect(describeUrl('postgres://app:secret@db.example.com:6543/app_prod')).toBe('app@db.example.com:6543/app_prod');
  });
});

describe('canonicalHost', () => {
  it.each([
    ['127.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0x7F.1', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['[::ffff:127.0.0.1]', '127.0.0.1'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:ffff:7f00:0001', '127.0.0.1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['localhost.', 'localhost'],
    ['DB.Example.COM.', 'db.example.com'],
    ['256.0.0.1', '256.0.0.1'],
    ['1.2.3.4.5', '1.2.3.4.5'],
    ['10.0.0.1x', '10.0.0.1x'],
  ])('%s → %s', (host, canonical) => expect(canonicalHost(host)).toBe(canonical));
});

describe('protect.hosts globs on canonical hosts', () => {
  const match: [string, string, boolean][] = [
    ['127.1', '127.0.0.1', true],
    ['2130706433', '127.0.0.1', true],
    ['0x7f000001', '127.0.0.1', true],
    ['0177.0.0.1', '127.0.0.1', true],
    ['::ffff:127.0.0.1', '127.0.0.1', true],
    ['127.0.0.1', '127.1', true],
    ['127.0.0.2', '127.0.0.1', false],
    ['localhost.', 'localhost', true],
    ['LOCALHOST', 'localhost', true],
    ['localhost', 'localhost.', true],
    ['db.prod.example.com.', '*.prod.example.com', true],
    ['DB.PROD.EXAMPLE.COM', '*.prod.example.com', true],
    ['prod.example.com', '*.prod.example.com', false],
    ['db.prod.example.com.evil.net', '*.prod.example.com', false],
    ['10.1.2.3', '10.1.*', true],
    ['167838211', '10.1.*', true], // 10.1.2.3 as one number
    ['[::1]', '::1', true],
    ['0:0:0:0:0:0:0:1', '[::1]', true],
  ];
  it.each(match)('%s vs %s → %s', (host, glob, expected) => expect(hostMatches(host, glob)).toBe(expected));

  it.each([
    ['postgres://db.prod.example.com', 'scheme'],
    ['db.prod.example.com:5432', 'port'],
    ['[::1]:5432', 'port'],
    ['admin@db.prod.example.com', 'user'],
    ['db.prod.example.com/app', 'path'],
    ['', 'empty'],
  ])('an entry %j is a config error (%s)', (entry, what) => expect(protectHostProblem(entry)).toContain(what));

  it.each(['*.prod.example.com', '127.0.0.1', '::1', '[::1]', '10.1.*', 'db-main.internal'])('%j is a host glob', (entry) => {
    expect(protectHostProblem(entry)).toBeUndefined();
  });
});

describe('environment and database names', () => {
  it.each([
    ['production2', true],
    ['prod1', true],
    ['golive', true],
    ['goLive', true],
    ['go-live', true],
    ['eu/prod', true],
    ['prod eu', true],
    ['PRODUCTION ', true],
    [' prd ', true],
    ['app_prod2', true],
    ['liveDb', true],
    ['appProd', true],
    ['prd01', true],
    ['product', false],
    ['products2', false],
    ['olive', false],
    ['delivery', false],
    ['preprod', false],
    ['staging2', false],
    ['reproduce', false],
  ])('%j protected: %s', (name, expected) => {
    expect(protectionOf({ envName: name, protectHosts: [] }).protected).toBe(expected);
    expect(
      protectionOf({ envName: 'x', url: `postgres://u@localhost/${encodeURIComponent(name.trim())}`, protectHosts: [] }).protected,
    ).toBe(expected);
  });
});

describe('server facts against the resolution', () => {
  const target = resolveConnection('postgres://app@localhost/shop', {}, OS);
  it('agrees when the server says the same database and login', () => {
    expect(
      serverMismatch(target, { database: 'shop', sessionUser: 'app', currentUser: 'app', address: '127.0.0.1', port: 5432 }),
    ).toBeUndefined();
    // a SET ROLE in ?options= changes current_user, not who logged in
    expect(
      serverMismatch(target, { database: 'shop', sessionUser: 'app', currentUser: 'owner', address: null, port: null }),
    ).toBeUndefined();
    // Supavisor: the pooler login `postgres.<project>` is `postgres` on the server
    const supa = resolveConnection('postgres://postgres.abcd@aws-0.pooler.supabase.com:6543/postgres', {}, OS);
    expect(
      serverMismatch(supa, { database: 'postgres', sessionUser: 'postgres', currentUser: 'postgres', address: '10.0.0.1', port: 5432 }),
    ).toBeUndefined();
  });
  it('names both sides when they differ', () => {
    expect(serverMismatch(target, { database: 'app_prod', sessionUser: 'app', currentUser: 'app', address: null, port: null })).toBe(
      'current_database() is "app_prod", not "shop"',
    );
    expect(serverMismatch(target, { database: 'shop', sessionUser: 'admin', currentUser: 'admin', address: null, port: null })).toBe(
      'session_user is "admin", not "app"',
    );
  });
});

describe('redaction', () => {
  const url = 'postgres://app:p%40ss-w0rd!@db.example.com:6543/app_prod?sslmode=require&password=other-secret';
  it('redacts passwords in urls and free text', () => {
    expect(redactUrl(url)).not.toMatch(/p%40ss|other-secret/);
    const secrets = secretsOf(url);
    expect(secrets).toContain('p@ss-w0rd!');
    const text = `failed: postgres://app:p%40ss-w0rd!@db/app and p@ss-w0rd! and password=other-secret`;
    const redacted = redactText(text, secrets);
    expect(redacted).not.toContain('p@ss-w0rd!');
    expect(redacted).not.toContain('p%40ss');
    expect(redacted).not.toContain('other-secret');
  });

  const passwords = ['p"w\\d', 'a@b:c/d e', '100%pure', 'grüße☃pw', `q'u"o\`te`, 'sp ace+plus', 'x'.repeat(3) + '%41'];
  it.each(passwords)('redacts %j in every form it may take', (password) => {
    const url = `postgres://app:${encodeURIComponent(password)}@h/db`;
    const secrets = secretsOf(url);
    const forms = [
      password,
      encodeURIComponent(password),
      encodeURIComponent(password).toLowerCase(),
      JSON.stringify(password).slice(1, -1),
      JSON.stringify(JSON.stringify(password)).slice(1, -1),
      // partly encoded: every other character encoded
      [...password].map((ch, i) => (i % 2 ? encodeURIComponent(ch) : ch)).join(''),
      url,
    ];
    for (const form of forms) {
      const text = `before ${form} after`;
      const redacted = redactText(text, secrets);
      expect(redacted, form).not.toContain(form);
      expect(redacted).toContain('before');
    }
    expect(redactText(JSON.stringify({ message: `auth for ${password} failed` }), secrets)).not.toContain(
      JSON.stringify(password).slice(1, -1),
    );
  });

  it('finds the password of a malformed url too', () => {
    expect(secretsOf('postgres://u:p@ss@h/db')).toContain('p@ss');
    expect(secretsOf('postgres://u:50%@h/db')).toContain('50%');
    expect(redactText('postgres://u:p@ss word@h/db', secretsOf('postgres://u:p@ss word@h/db'))).not.toContain('ss word');
  });
});

describe('redaction of urls dbctl was never told about', () => {
  it.each([
    ['postgres://u:p ss@h/db', 'p ss'],
    ['postgres://u:p@ss word@h/db', 'ss word'],
    ['error near "postgres://admin:hunter 2@db/app"', 'hunter 2'],
    ["url: 'postgresql://admin:s3cr@t!@db.example.com/app'", 's3cr@t!'],
  ])('%s', (text, secret) => {
    const redacted = redactText(text, []);
    expect(redacted).not.toContain(secret);
    expect(redacted).toContain('***@');
  });
});
