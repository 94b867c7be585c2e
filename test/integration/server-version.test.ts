/**
 * The harness runs the integration core on each PostgreSQL major it names: this file proves the
 * server a project talks to is that major (and, as root in a private checkout, that it started at all).
 */
import { describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { adminUrl } from '../support/db.js';

describe('test server', () => {
  it('is the PostgreSQL major this project runs on', async () => {
    const sql = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<{ num: string }[]>`select current_setting('server_version_num') as num`;
      const major = Math.floor(Number(row!.num) / 10000);
      const expected = Number(process.env.DBCTL_TEST_PG_MAJOR) || undefined;
      if (expected) expect(major).toBe(expected);
      else expect(major).toBeGreaterThanOrEqual(14);
    } finally {
      await sql.end();
    }
  });
});
