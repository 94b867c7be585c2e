import { defineConfig, env } from 'dbctl';

export default defineConfig({
  drizzleConfig: '__DRIZZLE_CONFIG__',
  environments: {
    development: { url: env('DATABASE_URL') },
    staging: { url: env('STAGING_DATABASE_URL') },
    production: { url: env('PRODUCTION_DATABASE_URL'), protected: true },
    // Behind a transaction pooler (PgBouncer, Neon's -pooler host, Supabase's port 6543) the
    // migration lock cannot hold: give the direct, session-level url too.
    // production: { url: env('PRODUCTION_DATABASE_URL'), directUrl: env('PRODUCTION_DIRECT_URL'), protected: true },
  },
  // Hosts that are production whatever the environment is called (globs).
  // protect: { hosts: ['*.prod.example.com'] },
  backup: { dir: '.dbctl/backups' },
});
