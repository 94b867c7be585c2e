/**
 * The migrations recorded in another table than the drizzle config names: nothing in the
 * configured table while drizzle's default `drizzle.__drizzle_migrations` holds rows (the app's
 * runtime migrator used the default). Then every migration looks pending, and `migrate` would
 * apply them all again. Asked only when the configured table is empty and not the default.
 */
import type postgres from 'postgres';
import type { MigrationStatus, PlanMigration } from '../core/plan.js';
import type { HistoryTables } from './history.js';

/** A sentence saying so, or null when it does not apply. */
export async function recordedElsewhere(
  sql: postgres.Sql,
  tables: HistoryTables,
  status: MigrationStatus<PlanMigration>,
  env: string,
): Promise<string | null> {
  if (tables.drizzleSchema === 'drizzle' && tables.drizzleTable === '__drizzle_migrations') return null;
  if (status.unknown.length > 0 || status.migrations.some((m) => m.row !== null)) return null;
  const [row] = await sql<{ n: number | null }[]>`
    select case when to_regclass('drizzle.__drizzle_migrations') is null then null
                else (select count(*)::int from drizzle.__drizzle_migrations) end as n`.catch(() => [{ n: null }]);
  const n = row?.n ?? 0;
  if (!n) return null;
  return `${env}: the configured migrations table ${tables.drizzleSchema}.${tables.drizzleTable} is empty, but drizzle's default drizzle.__drizzle_migrations holds ${n} row${n === 1 ? '' : 's'}: the migrations were recorded there (by the app's migrator?); set the drizzle config's migrations.table/schema to where they are recorded before running \`dbctl migrate\`, which would apply them all again`;
}
