import { defineConfig, env } from 'dbctl';

export default defineConfig({
  drizzleConfig: './drizzle.config.ts',
  environments: {
    development: { url: env('DATABASE_URL') },
    staging: { url: env('STAGING_DATABASE_URL') },
    production: { url: env('PRODUCTION_DATABASE_URL'), protected: true },
  },
  protect: { hosts: ['*.prod.example.com'] },
  backup: { dir: '.dbctl/backups' },
});
