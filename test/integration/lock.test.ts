/**
 * The migration lock's own guarantees, checked on a real server: it is exclusive per migrations
 * table, and a statement that lands on another backend (what a transaction-mode pooler does) is
 * caught instead of silently running without the lock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { acquireMigrationLock, assertLockHeld, releaseMigrationLock } from '../../src/io/lock.js';
import { isDbctlError } from '../../src/errors.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('lock');
});
afterAll(async () => {
  await db.drop();
});

describe('migration lock', () => {
  it('is exclusive per migrations table and times out with LOCK_TIMEOUT', async () => {
    const a = postgres(db.url, { max: 1 });
    const b = postgres(db.url, { max: 1 });
    try {
      await acquireMigrationLock(a, 'drizzle.__drizzle_migrations', { waitMs: 0 });
      const error = await acquireMigrationLock(b, 'drizzle.__drizzle_migrations', { waitMs: 300 }).catch((e: unknown) => e);
      expect(isDbctlError(error) && error.code).toBe('LOCK_TIMEOUT');
      // another app's migrations table in the same database is not blocked
      await acquireMigrationLock(b, 'other.__drizzle_migrations', { waitMs: 0 });
      await releaseMigrationLock(a, 'drizzle.__drizzle_migrations');
      await acquireMigrationLock(b, 'drizzle.__drizzle_migrations', { waitMs: 1000 });
    } finally {
      await a.end();
      await b.end();
    }
  });

  it('detects a statement running on a backend that does not hold the lock (transaction-mode pooler)', async () => {
    const holder = postgres(db.url, { max: 1 });
    const elsewhere = postgres(db.url, { max: 1 });
    try {
      await acquireMigrationLock(holder, 'drizzle.__drizzle_migrations', { waitMs: 0 });
      await assertLockHeld(holder, 'drizzle.__drizzle_migrations');
      const error = await assertLockHeld(elsewhere, 'drizzle.__drizzle_migrations').catch((e: unknown) => e);
      expect(isDbctlError(error) && error.code).toBe('LOCK_NOT_HELD');
      expect((error as Error).message).toContain('PgBouncer');
    } finally {
      await holder.end();
      await elsewhere.end();
    }
  });
});
