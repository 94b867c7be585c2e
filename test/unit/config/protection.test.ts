import { describe, expect, it } from 'vitest';
import { hostMatches, protectionOf, urlTarget } from '../../../src/config/protection.js';

interface Case {
  what: string;
  envName: string;
  url?: string;
  configProtected?: boolean;
  hosts?: string[];
  protected: boolean;
  /** Each of these must appear among the reasons (exact phrases). */
  reasons?: string[];
}

const cases: Case[] = [
  // environment names
  { what: 'plain development', envName: 'development', protected: false },
  { what: 'staging', envName: 'staging', protected: false },
  { what: 'name prod', envName: 'prod', protected: true, reasons: ['environment name "prod" contains "prod"'] },
  { what: 'name production', envName: 'production', protected: true, reasons: ['environment name "production" contains "production"'] },
  { what: 'name prd', envName: 'prd', protected: true, reasons: ['environment name "prd" contains "prd"'] },
  { what: 'name live', envName: 'live', protected: true, reasons: ['environment name "live" contains "live"'] },
  { what: 'name prod-eu (dash)', envName: 'prod-eu', protected: true, reasons: ['environment name "prod-eu" contains "prod"'] },
  { what: 'name eu_production (underscore)', envName: 'eu_production', protected: true },
  { what: 'name us.live (dot)', envName: 'us.live', protected: true },
  { what: 'name PROD upper case', envName: 'PROD', protected: true, reasons: ['environment name "PROD" contains "prod"'] },
  { what: 'name Production-Blue mixed case', envName: 'Production-Blue', protected: true },
  { what: 'look-alike product', envName: 'product', protected: false },
  { what: 'look-alike products-db', envName: 'products-db', protected: false },
  { what: 'look-alike reproduce', envName: 'reproduce', protected: false },
  { what: 'look-alike prodigy', envName: 'prodigy', protected: false },
  { what: 'look-alike olive', envName: 'olive', protected: false },
  { what: 'look-alike delivery', envName: 'delivery', protected: false },
  { what: 'look-alike liveness', envName: 'liveness_check', protected: false },
  { what: 'look-alike preprod is one token', envName: 'preprod', protected: false },
  { what: 'pre-prod has a prod token', envName: 'pre-prod', protected: true },
  // config flag
  {
    what: 'protected: true on a harmless name',
    envName: 'staging',
    configProtected: true,
    protected: true,
    reasons: ['config sets protected: true'],
  },
  {
    what: 'protected: false on a harmless env',
    envName: 'staging',
    configProtected: false,
    url: 'postgres://u@localhost/app',
    protected: false,
  },
  { what: 'protected: false does not lift a name match', envName: 'production', configProtected: false, protected: true },
  {
    what: 'protected: false does not lift a url host match',
    envName: 'staging',
    configProtected: false,
    url: 'postgres://u@db.prod.internal:5432/app',
    protected: true,
    reasons: ['host "db.prod.internal" contains "prod"'],
  },
  {
    what: 'protected: false does not lift a protect.hosts match',
    envName: 'staging',
    configProtected: false,
    url: 'postgres://u@pg1.example.net/app',
    hosts: ['pg1.example.net'],
    protected: true,
  },
  // url hosts
  {
    what: 'host with prod token',
    envName: 'x',
    url: 'postgres://u@prod-db.example.com/app',
    protected: true,
    reasons: ['host "prod-db.example.com" contains "prod"'],
  },
  { what: 'host with live token', envName: 'x', url: 'postgresql://u@live.db.example.com/app', protected: true },
  { what: 'host with PRD upper case', envName: 'x', url: 'postgres://u@PRD-PG01.corp/app', protected: true },
  { what: 'host look-alike products', envName: 'x', url: 'postgres://u@products.example.com/app', protected: false },
  { what: 'host look-alike delivery', envName: 'x', url: 'postgres://u@delivery-db.internal/app', protected: false },
  { what: 'localhost', envName: 'x', url: 'postgres://postgres:postgres@localhost:5432/app', protected: false },
  // database names
  {
    what: 'database app_prod',
    envName: 'x',
    url: 'postgres://u@localhost/app_prod',
    protected: true,
    reasons: ['database name "app_prod" contains "prod"'],
  },
  { what: 'database production', envName: 'x', url: 'postgres://u@10.0.0.5/production', protected: true },
  { what: 'database live-data', envName: 'x', url: 'postgres://u@10.0.0.5/live-data', protected: true },
  { what: 'database products', envName: 'x', url: 'postgres://u@localhost/products', protected: false },
  {
    what: 'database name defaults to the user',
    envName: 'x',
    url: 'postgres://prod_app:pw@localhost',
    protected: true,
    reasons: ['database name "prod_app" contains "prod"'],
  },
  { what: 'database name from ?dbname=', envName: 'x', url: 'postgres://u@localhost?dbname=live', protected: true },
  // globs
  {
    what: 'glob *.prod.example.com',
    envName: 'x',
    url: 'postgres://u@db.prod.example.com/app',
    hosts: ['*.prod.example.com'],
    protected: true,
    reasons: ['host "db.prod.example.com" matches protect.hosts "*.prod.example.com"'],
  },
  {
    what: 'glob matches case-insensitively',
    envName: 'x',
    url: 'postgres://u@DB.Main.Example.com/app',
    hosts: ['*.main.example.com'],
    protected: true,
  },
  { what: 'glob non-match', envName: 'x', url: 'postgres://u@db.staging.example.com/app', hosts: ['*.main.example.com'], protected: false },
  { what: 'glob exact host', envName: 'x', url: 'postgres://u@pg-main.internal:6432/app', hosts: ['pg-main.internal'], protected: true },
  { what: 'glob on an IP range', envName: 'x', url: 'postgres://u@10.1.2.3/app', hosts: ['10.1.*'], protected: true },
  {
    what: 'glob among several',
    envName: 'x',
    url: 'postgres://u@db1.eu.example.org/app',
    hosts: ['*.us.example.org', '*.eu.example.org'],
    protected: true,
  },
  // IPs and sockets
  { what: 'IPv4 host', envName: 'x', url: 'postgres://u@192.168.1.10:5432/app', protected: false },
  { what: 'IPv6 host', envName: 'x', url: 'postgres://u@[::1]:5432/app', protected: false },
  { what: 'IPv6 host with prod database', envName: 'x', url: 'postgres://u@[2001:db8::1]/prod', protected: true },
  { what: 'unix socket via ?host=', envName: 'x', url: 'postgres://u@/db?host=/var/run/postgresql', protected: false },
  { what: 'unix socket with prod database', envName: 'x', url: 'postgres://u@/app_prod?host=/var/run/postgresql', protected: true },
  { what: 'unix socket in a prod directory', envName: 'x', url: 'postgres:///app?host=/run/prod/postgresql', protected: true },
  {
    what: 'multi-host url',
    envName: 'x',
    url: 'postgres://u@db-a.internal,db-live.internal/app',
    protected: true,
    reasons: ['host "db-live.internal" contains "live"'],
  },
  // passwords
  { what: 'password containing prod is ignored', envName: 'x', url: 'postgres://u:prod_secret@localhost/app', protected: false },
  { what: 'password in query is ignored', envName: 'x', url: 'postgres://u@localhost/app?password=prod', protected: false },
  { what: 'not a postgres url', envName: 'x', url: 'mysql://u@prod.example.com/app', protected: false },
];

describe('protectionOf', () => {
  it('has at least 30 cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  it.each(cases)('$what', (c) => {
    const result = protectionOf({ envName: c.envName, url: c.url, configProtected: c.configProtected, protectHosts: c.hosts ?? [] });
    expect(result.protected).toBe(c.protected);
    expect(result.reasons.length > 0).toBe(c.protected);
    for (const reason of c.reasons ?? []) expect(result.reasons).toContain(reason);
  });

  it('never repeats a password in its reasons', () => {
    const urls = [
      'postgres://admin:S3cretProdPass@db.prod.example.com:5432/app_prod',
      'postgres://admin:p%40ss-prod@live-db.internal/production',
      'postgresql://admin:hunter2-prod@[2001:db8::7]/app_live?sslmode=require',
      'postgres://admin:sock-prod-pw@/app_prod?host=/var/run/postgresql',
    ];
    for (const url of urls) {
      const result = protectionOf({ envName: 'production', url, configProtected: true, protectHosts: ['*.prod.example.com', '*'] });
      expect(result.protected).toBe(true);
      const text = result.reasons.join('\n');
      for (const secret of ['S3cretProdPass', 'p%40ss-prod', 'p@ss-prod', 'hunter2', 'sock-prod-pw']) expect(text).not.toContain(secret);
    }
  });

  it('lists every reason that applies, without duplicates', () => {
    const result = protectionOf({
      envName: 'prod',
      url: 'postgres://u:pw@db.prod.example.com/app_prod',
      configProtected: true,
      protectHosts: ['*.prod.example.com'],
    });
    expect(result.reasons).toEqual([
      'config sets protected: true',
      'environment name "prod" contains "prod"',
      'host "db.prod.example.com" contains "prod"',
      'host "db.prod.example.com" matches protect.hosts "*.prod.example.com"',
      'database name "app_prod" contains "prod"',
    ]);
  });
});

describe('urlTarget', () => {
  it('reads hosts and database tolerantly', () => {
    expect(urlTarget('postgres://u@/db?host=/var/run/postgresql')).toEqual({ hosts: ['/var/run/postgresql'], database: 'db' });
    expect(urlTarget('postgres://u:p@[::1]:5433/app')).toEqual({ hosts: ['::1'], database: 'app' });
    expect(urlTarget('postgres://h1:5432,h2:5433/app')).toEqual({ hosts: ['h1', 'h2'], database: 'app' });
    expect(urlTarget('postgres://localhost?dbname=x')).toEqual({ hosts: ['localhost'], database: 'x' });
    expect(urlTarget('mysql://localhost/x')).toBeUndefined();
  });

  it('drops parts that could be a misread password', () => {
    // an unencoded "/" in the password makes the rest look like a path
    const target = urlTarget('postgres://u:pa/prod_pw@host/db');
    expect(target).toBeUndefined(); // dbctl refuses such a url (exit 2) rather than guess
    expect(JSON.stringify(target ?? null)).not.toContain('prod_pw');
  });
});

describe('hostMatches', () => {
  it('matches globs case-insensitively and does not match across labels wrongly', () => {
    expect(hostMatches('db.prod.example.com', '*.prod.example.com')).toBe(true);
    expect(hostMatches('DB.PROD.EXAMPLE.COM', '*.prod.example.com')).toBe(true);
    expect(hostMatches('prod.example.com', '*.prod.example.com')).toBe(false);
    expect(hostMatches('db.prod.example.com.evil.net', '*.prod.example.com')).toBe(false);
  });
});
