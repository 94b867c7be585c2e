/**
 * Per-test-file databases on the shared test server: every test file (or test) gets a database of
 * its own, created from the superuser url the global setup provides, and dropped afterwards.
 */
import postgres from 'postgres';
import { inject, onTestFinished } from 'vitest';

/** A fresh database and a client connected to it. */
export interface TestDatabase {
  name: string;
  url: string;
  sql: postgres.Sql;
  drop(): Promise<void>;
}

let counter = 0;

/**
 * The PostgreSQL major the test project runs on when it is not the default one (the `pgNN` projects
 * of vitest.config.ts); undefined on the main project (PostgreSQL 15 embedded, or the server given).
 */
export const testServerMajor: number | undefined = Number(process.env.DBCTL_TEST_PG_MAJOR) || undefined;

/** True when the test server supports `UNIQUE NULLS NOT DISTINCT` (PostgreSQL 15 and later). */
export const supportsNullsNotDistinct = testServerMajor === undefined || testServerMajor >= 15;

/** The superuser url of the test server. */
export function adminUrl(): string {
  return inject('adminUrl');
}

/** Replaces the database name of a url. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates a uniquely named database; `prefix` makes failing tests easy to trace. */
export async function createTestDatabase(prefix = 'dbctl'): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl(), name);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  return {
    name,
    url,
    sql,
    drop: async () => {
      await sql.end({ timeout: 1 });
      const cleanup = postgres(adminUrl(), { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** `createTestDatabase`, dropped when the test that made it finishes (call it inside a test). */
export async function testDatabase(prefix?: string): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  onTestFinished(() => db.drop());
  return db;
}
