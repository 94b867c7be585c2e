/**
 * A NestJS-shaped module that migrates the database when the app boots, through dbctl's API: the
 * same advisory lock, guards and backups as `dbctl migrate`, so every replica can run it (one
 * applies each migration, the others wait and find nothing pending).
 *
 * In a NestJS app decorate the class with `@Module({})` and import it first in `AppModule`; NestJS
 * awaits `onModuleInit` before the app listens, so the app never serves a schema it does not know.
 * It is a plain class here so that dbctl needs no NestJS dependency.
 */
import { migrate, DbctlError, type MigrateDocument, type Reporter } from 'dbctl';

/** Where the module writes its lines: NestJS's `Logger` has the same `log`/`warn` shape. */
export interface MigrationLogger {
  log(message: string): void;
  warn(message: string): void;
}

/** Options of the module: the project directory (dbctl.config and the migrations folder). */
export interface DatabaseMigrationsOptions {
  /** Default `process.cwd()`. */
  cwd?: string;
  /** Default `$DBCTL_ENV`, else `development`. */
  env?: string;
  /** Default `console`. */
  logger?: MigrationLogger;
}

// @Module({})
export class DatabaseMigrationsModule {
  /** The last run's `dbctl migrate --json` document. */
  result: MigrateDocument | undefined;

  constructor(private readonly options: DatabaseMigrationsOptions = {}) {}

  /** Applies pending migrations; a failure stops the boot with dbctl's one-line message. */
  async onModuleInit(): Promise<void> {
    const logger = this.options.logger ?? console;
    const reporter: Reporter = { info: (line) => logger.log(line), warn: (line) => logger.warn(line) };
    try {
      this.result = await migrate({
        env: this.options.env ?? process.env.DBCTL_ENV ?? 'development',
        cwd: this.options.cwd ?? process.cwd(),
        // wait for the database container started beside the app, and for other replicas' runs
        waitForDb: '60s',
        wait: '2m',
        reporter,
      });
      logger.log(`database: ${this.result.status}, ${this.result.applied.length} migration(s) applied`);
    } catch (error) {
      if (error instanceof DbctlError) {
        // exit 3: a destructive migration on a protected environment; the release must allow it
        // (allowDestructive: true, e.g. from DBCTL_ALLOW_DESTRUCTIVE), nothing was applied
        logger.warn(
          `database migration stopped (${error.code}, exit ${error.exitCode}): ${error.message}${error.hint ? `\nhint: ${error.hint}` : ''}`,
        );
      }
      throw error;
    }
  }
}
