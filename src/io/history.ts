/**
 * The two tables migrate keeps: drizzle's own `__drizzle_migrations` (rows exactly as drizzle-orm
 * writes them, so drizzle-kit and dbctl can be used on one database interchangeably) and dbctl's
 * history (every attempt, with outcome, timing, error, backup, who and where).
 */
import type postgres from 'postgres';
import type { DrizzleRow, HistoryLatest, HistoryOutcome } from '../core/plan.js';

/** Where the two tables live. */
export interface HistoryTables {
  drizzleSchema: string;
  drizzleTable: string;
  historySchema: string;
  /** Scrubs secrets (the run's passwords) from what history rows store: the error's message and statement. */
  redact?: (text: string) => string;
}

/** Quotes an identifier for SQL text. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"` of drizzle's table. */
export function drizzleTableName(tables: HistoryTables): string {
  return `${quoteIdent(tables.drizzleSchema)}.${quoteIdent(tables.drizzleTable)}`;
}

function historyTableName(tables: HistoryTables): string {
  return `${quoteIdent(tables.historySchema)}.migration_history`;
}

/** The key scoping history rows to one drizzle table (several apps may share a database). */
function scopeKey(tables: HistoryTables): string {
  return `${tables.drizzleSchema}.${tables.drizzleTable}`;
}

/** Reads drizzle's rows; an absent table means nothing was applied. Read-only. */
export async function readDrizzleRows(sql: postgres.Sql, tables: HistoryTables): Promise<DrizzleRow[]> {
  const [exists] = await sql<{ oid: string | null }[]>`select to_regclass(${drizzleTableName(tables)})::text as oid`;
  if (!exists?.oid) return [];
  const rows = await sql.unsafe<{ id: number; hash: string; created_at: string | null }[]>(
    `select id, hash, created_at from ${drizzleTableName(tables)} order by id`,
  );
  return rows.map((r) => ({ id: r.id, hash: r.hash, createdAt: r.created_at === null ? null : Number(r.created_at) }));
}

/** Reads the newest history row per tag; an absent table means no history. Read-only. */
export async function readHistoryLatest(sql: postgres.Sql, tables: HistoryTables): Promise<Map<string, HistoryLatest>> {
  const [exists] = await sql<{ oid: string | null }[]>`select to_regclass(${historyTableName(tables)})::text as oid`;
  if (!exists?.oid) return new Map();
  const rows = await sql.unsafe<{ tag: string; hash: string; outcome: HistoryOutcome; finished_at: Date | null; error: string | null }[]>(
    `select distinct on (tag) tag, hash, outcome, finished_at, error->>'message' as error
       from ${historyTableName(tables)} where migrations_table = $1 order by tag, id desc`,
    [scopeKey(tables)],
  );
  return new Map(
    rows.map((r) => [r.tag, { tag: r.tag, hash: r.hash, outcome: r.outcome, finishedAt: r.finished_at?.toISOString() ?? null, error: r.error }]),
  );
}

/** Creates drizzle's table (exactly as drizzle-orm does) and dbctl's history table if absent. */
export async function ensureHistoryTables(sql: postgres.Sql, tables: HistoryTables): Promise<void> {
  await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(tables.drizzleSchema)}`);
  await sql.unsafe(`
			CREATE TABLE IF NOT EXISTS ${drizzleTableName(tables)} (
				id SERIAL PRIMARY KEY,
				hash text NOT NULL,
				created_at bigint
			)
		`);
  await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(tables.historySchema)}`);
  await sql.unsafe(`
    CREATE TABLE IF NOT EXISTS ${historyTableName(tables)} (
      id bigserial PRIMARY KEY,
      migrations_table text NOT NULL,
      tag text NOT NULL,
      hash text NOT NULL,
      created_at bigint NOT NULL,
      outcome text NOT NULL CHECK (outcome IN ('applied', 'failed', 'rolled-back', 'resolved-applied', 'resolved-rolled-back')),
      out_of_order boolean NOT NULL DEFAULT false,
      started_at timestamptz NOT NULL,
      finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      duration_ms integer,
      statements_total integer,
      statements_done integer,
      error jsonb,
      backup_id text,
      env text,
      dbctl_version text NOT NULL,
      run_by text NOT NULL DEFAULT current_user,
      hostname text
    )`);
  await sql.unsafe(
    `CREATE INDEX IF NOT EXISTS migration_history_tag_idx ON ${historyTableName(tables)} (migrations_table, tag, id)`,
  );
}

/** One attempt to record in dbctl's history. */
export interface HistoryRecord {
  tag: string;
  hash: string;
  createdAt: number;
  outcome: HistoryOutcome;
  outOfOrder: boolean;
  startedAt: Date;
  durationMs: number | null;
  statementsTotal: number | null;
  statementsDone: number | null;
  error: { statement?: string; message: string; code?: string } | null;
  backupId: string | null;
  env: string;
  dbctlVersion: string;
  hostname: string;
}

function historyParams(tables: HistoryTables, r: HistoryRecord): (string | number | boolean | Date | null)[] {
  return [
    scopeKey(tables), r.tag, r.hash, r.createdAt, r.outcome, r.outOfOrder, r.startedAt, r.durationMs,
    r.statementsTotal, r.statementsDone, r.error === null ? null : storedError(tables, r.error), r.backupId,
    r.env, r.dbctlVersion, r.hostname,
  ];
}

/** The error as stored (jsonb text), secrets scrubbed in every form they may take in JSON. */
function storedError(tables: HistoryTables, error: NonNullable<HistoryRecord['error']>): string {
  const text = JSON.stringify(error);
  return tables.redact ? tables.redact(text) : text;
}

const HISTORY_COLUMNS =
  'migrations_table, tag, hash, created_at, outcome, out_of_order, started_at, duration_ms, statements_total, statements_done, error, backup_id, env, dbctl_version, hostname';
const HISTORY_VALUES = '$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14, $15';

/** Writes a history row only (a failed or rolled-back attempt, a resolution). */
export async function recordHistory(sql: postgres.Sql | postgres.TransactionSql, tables: HistoryTables, record: HistoryRecord): Promise<void> {
  await sql.unsafe(`INSERT INTO ${historyTableName(tables)} (${HISTORY_COLUMNS}) VALUES (${HISTORY_VALUES})`, historyParams(tables, record) as never[]);
}

/**
 * Records an applied migration: drizzle's row (hash, created_at = journal `when`, as drizzle-orm
 * writes it) and dbctl's history row, in one round trip (a prepared statement), inside the
 * caller's transaction. Both rows are written only if this backend holds the migration lock
 * (`lockKeys`); returns false when it does not (a transaction-mode pooler), so the caller rolls back.
 */
export async function recordApplied(
  sql: postgres.Sql | postgres.TransactionSql,
  tables: HistoryTables,
  record: HistoryRecord,
  lockKeys: readonly [number, number],
): Promise<boolean> {
  const [k1, k2] = lockKeys;
  const result = await sql.unsafe(
    `WITH guard AS (
       SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
          AND classid = $16::int::oid AND objid = $17::int::oid AND objsubid = 2),
     drizzle_row AS (INSERT INTO ${drizzleTableName(tables)} ("hash", "created_at") SELECT $3, $4 FROM guard RETURNING id)
     INSERT INTO ${historyTableName(tables)} (${HISTORY_COLUMNS}) SELECT ${HISTORY_VALUES} FROM guard`,
    [...historyParams(tables, record), k1, k2] as never[],
    { prepare: true },
  );
  return result.count === 1;
}
