/**
 * What NestJS does at boot, by hand: init the modules, then start serving. Run from a project with
 * a dbctl config: `npx tsx examples/nestjs/main.ts` (DATABASE_URL and DBCTL_ENV as for the CLI).
 */
import { DatabaseMigrationsModule } from './database-migrations.module.js';

const migrations = new DatabaseMigrationsModule({ cwd: process.env.APP_DIR ?? process.cwd() });
await migrations.onModuleInit();
console.log('listening (the app would start here)');
