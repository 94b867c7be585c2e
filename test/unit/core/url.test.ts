import { describe, expect, it } from 'vitest';
import { describeUrl, parseDatabaseUrl, redactText, redactUrl, secretsOf } from '../../../src/core/url.js';

describe('url helpers', () => {
  const url = 'postgres://app:p%40ss-w0rd!@db.example.com:6543/app_prod?sslmode=require&password=other-secret';
  it('parses host, port, database and user', () => {
    expect(parseDatabaseUrl(url)).toEqual({ host: 'db.example.com', port: '6543', database: 'app_prod', user: 'app', hasPassword: true });
    expect(parseDatabaseUrl('postgres://u@/db?host=/var/run/postgresql')?.host).toBe('/var/run/postgresql');
    expect(parseDatabaseUrl('mysql://x')).toBeNull();
  });
  it('redacts passwords in urls and free text', () => {
    expect(redactUrl(url)).not.toMatch(/p%40ss|other-secret/);
    expect(describeUrl(url)).toBe('app@db.example.com:6543/app_prod');
    const secrets = secretsOf(url);
    expect(secrets).toContain('p@ss-w0rd!');
    const text = `failed: postgres://app:p%40ss-w0rd!@db/app and p@ss-w0rd! and password=other-secret`;
    const redacted = redactText(text, secrets);
    expect(redacted).not.toContain('p@ss-w0rd!');
    expect(redacted).not.toContain('p%40ss');
    expect(redacted).not.toContain('other-secret');
  });
});
