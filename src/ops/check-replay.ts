/**
 * `check`'s replay of the migrations: drift (the live schema against what its applied migrations
 * produce in a scratch database) and schema-vs-sql (what the migrations' SQL makes against the
 * schema in code).
 */
import type { MigrationStatus } from '../core/plan.js';
import type { DrizzleSettings, ProjectConfig, ResolvedEnvironment } from '../config/types.js';
import type { PgSnapshot } from '../drizzle/live/introspect.js';
import { isDbctlError } from '../errors.js';
import type { LocalMigration } from '../drizzle/folder.js';
import type { Database } from '../io/db.js';
import type { CheckResult } from '../render/check.js';
import type { CommandContext } from './context.js';
import { scratchOptions } from './schema-scratch.js';

/**
 * Drift and schema-vs-sql, from one replay: the applied migrations (in the order the database
 * applied them) run into a scratch database, its schema compared with the live one by the same
 * introspection; then the pending migrations on top, and the result compared with the schema in
 * code (what `drizzle-kit push` would try to undo). Without a scratch database drift fails closed.
 * `shared.onSent` is called once the replay is on its way to the server (or cannot start);
 * `shared.code` reads the schema in code when the caller shares one reading of it.
 */
export async function replayChecks(
  ctx: CommandContext,
  project: ProjectConfig,
  reading: MigrationStatus<LocalMigration> | Promise<MigrationStatus<LocalMigration>>,
  environment: ResolvedEnvironment,
  db: Database,
  shared: { onSent?: () => void; code?: (settings: DrizzleSettings) => Promise<PgSnapshot> } = {},
): Promise<{ drift: CheckResult; schemaVsSql: CheckResult }> {
  const env = environment.name;
  const [{ withReplay, appliedOrder }, { compareLiveWithReplay, readLiveAhead }, { replayMigrations }, { compareSqlWithCode }] =
    await Promise.all([
      import('../drizzle/live/replayed.js'),
      import('../drizzle/live/compare.js'),
      import('../drizzle/live/replay.js'),
      import('../drizzle/kit/schema-vs-sql.js'),
    ]);
  // the scratch database is opened while the status is still being read
  const status = Promise.resolve(reading);
  const applied = status.then((s) =>
    appliedOrder(s.migrations.filter((m) => m.state === 'applied' || m.state === 'modified' || m.state === 'cosmetic')),
  );
  let schemaVsSql: CheckResult = { id: 'schema-vs-sql', ok: true, message: 'skipped: the migrations could not be replayed (see drift)' };
  const excludeSchemas = [project.history.schema];
  // the live side is read while the server replays (the connection is free once the replay is sent)
  let liveAhead: ReturnType<typeof readLiveAhead>;
  let ahead = false;
  const sent = () => {
    if (!ahead) {
      ahead = true;
      liveAhead = readLiveAhead(db.sql, project.drizzle, { excludeSchemas });
      liveAhead?.catch(() => undefined); // used, or read again, by compareLiveWithReplay
    }
    shared.onSent?.();
  };
  try {
    const drift = await withReplay(
      db.sql,
      applied,
      { ...scratchOptions(ctx, project, environment, db), onSent: sent },
      async ({ scratch, replay }) => {
        const pending = (await status).migrations.filter((m) => m.state === 'pending' || m.state === 'failed').map((m) => m.migration);
        const newest = replay.replayed[replay.replayed.length - 1];
        const where = `replayed ${replay.replayed.length} migration${replay.replayed.length === 1 ? '' : 's'} in a ${scratch.where}`;
        const compared = await compareLiveWithReplay(db.sql, scratch.sql, project.drizzle, {
          excludeSchemas,
          liveAhead,
          // with nothing pending the scratch database is not read again: it is dropped while the readings are compared
          onRead: pending.length === 0 ? () => void scratch.drop() : undefined,
        });
        try {
          if (pending.length > 0) await replayMigrations(scratch.sql, pending, []);
          schemaVsSql = schemaVsSqlCheck(
            await compareSqlWithCode(project.drizzle, scratch.sql, {
              replayed: compared.expected,
              pendingReplayed: pending.length > 0,
              excludeSchemas,
              code: shared.code,
            }),
          );
        } catch (error) {
          schemaVsSql = { id: 'schema-vs-sql', ok: true, message: `skipped: ${firstLine(error)}` };
        }
        return compared.drift
          ? {
              id: 'drift',
              ok: false,
              message: `the ${env} schema differs from what its applied migrations produce (${where}): run \`dbctl fix --env ${env}\` to write the repair as a migration`,
              details: compared.summary,
            }
          : {
              id: 'drift',
              ok: true,
              message: `the ${env} schema matches what its applied migrations produce${newest ? ` (up to ${newest})` : ''}; ${where}`,
            };
      },
    );
    return { drift, schemaVsSql };
  } catch (error) {
    await liveAhead?.catch(() => undefined); // the connection is closed after this
    const hint = isDbctlError(error) && error.hint ? `; ${error.hint}` : '';
    return {
      drift: {
        id: 'drift',
        ok: false,
        message: `cannot compare the ${env} schema with what its migrations produce: ${firstLine(error)}${hint}`,
      },
      schemaVsSql,
    };
  }
}

/** What the migrations' SQL makes against the schema in code, worded (information: never fails). */
function schemaVsSqlCheck(result: { drift: boolean; summary: string[] }): CheckResult {
  return result.drift
    ? {
        id: 'schema-vs-sql',
        ok: true,
        message: `the migrations' SQL and the schema in code differ in ${result.summary.length} place${result.summary.length === 1 ? '' : 's'} (\`drizzle-kit push\` would try to undo these; declare them in code or leave them to SQL)`,
        details: result.summary,
      }
    : { id: 'schema-vs-sql', ok: true, message: "the migrations' SQL makes exactly what the schema in code declares" };
}

/** The first line of an error's message. */
export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
