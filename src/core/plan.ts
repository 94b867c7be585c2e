/**
 * Where each migration stands: matches the folder against drizzle's table and dbctl's history by
 * identity (timestamp and hash), never by drizzle's "newest row" watermark. Pure.
 */

/** A row of drizzle's `__drizzle_migrations`. */
export interface DrizzleRow {
  id: number;
  hash: string;
  createdAt: number | null;
  /** drizzle-orm 1.0's `name` column (the migration folder's name); null or absent on a 0.x row. */
  name?: string | null;
}

/** dbctl history outcomes. `failed` means stopped part-way; it needs `dbctl resolve`. */
export type HistoryOutcome = 'applied' | 'failed' | 'rolled-back' | 'resolved-applied' | 'resolved-rolled-back';

/** The newest history row dbctl wrote for a migration tag. */
export interface HistoryLatest {
  tag: string;
  hash: string;
  outcome: HistoryOutcome;
  finishedAt: string | null;
  error: string | null;
}

/** What the plan needs to know of a local migration. */
export interface PlanMigration {
  tag: string;
  when: number;
  hash: string;
}

/**
 * The state of one local migration in one database. `cosmetic`: applied, and the file changed
 * since only in comments or white space (the same statements, see `markCosmetic`).
 */
export type MigrationState = 'applied' | 'pending' | 'failed' | 'modified' | 'cosmetic';

/** One local migration with its state. */
export interface PlannedMigration<M extends PlanMigration = PlanMigration> {
  migration: M;
  state: MigrationState;
  /** Pending, but older than the newest applied migration (merged from another branch). */
  outOfOrder: boolean;
  /** The drizzle row it matched, when applied or modified. */
  row: DrizzleRow | null;
  /** The last failed attempt's error, for a pending migration whose last run was rolled back. */
  lastError: string | null;
}

/** Where every migration stands, plus database rows the folder does not know. */
export interface MigrationStatus<M extends PlanMigration = PlanMigration> {
  migrations: PlannedMigration<M>[];
  unknown: DrizzleRow[];
}

/**
 * Matches local migrations with drizzle rows one to one: a row with a `name` (drizzle-orm 1.0)
 * only by that name, as drizzle-orm 1.0's migrator does (a different hash: modified); a row
 * without one first on timestamp and hash, then on
 * timestamp alone (the file changed: modified), then on hash alone (the journal timestamp changed).
 * Rows left over are unknown. A migration with no row is pending, or failed when dbctl's history
 * says its last run stopped part-way.
 */
export function planStatus<M extends PlanMigration>(
  local: readonly M[],
  rows: readonly DrizzleRow[],
  history: ReadonlyMap<string, HistoryLatest>,
): MigrationStatus<M> {
  const unclaimed = new Set(rows);
  const matched = new Map<M, { row: DrizzleRow; modified: boolean }>();
  /**
   * Gives each migration not yet matched the first unclaimed row (in table order) with its key:
   * rows are indexed once per pass, so a folder of thousands against as many rows stays linear.
   */
  const claim = (rowKey: (r: DrizzleRow) => string | null, migrationKey: (m: M) => string, modified: boolean) => {
    const byKey = new Map<string, DrizzleRow[]>();
    for (const row of unclaimed) {
      const key = rowKey(row);
      if (key === null) continue;
      const list = byKey.get(key);
      if (list) list.push(row);
      else byKey.set(key, [row]);
    }
    for (const migration of local) {
      if (matched.has(migration)) continue;
      const row = byKey.get(migrationKey(migration))?.shift();
      if (row === undefined) continue;
      unclaimed.delete(row);
      matched.set(migration, { row, modified });
    }
  };
  // drizzle-orm 1.0's migrator counts a migration applied when a row carries its folder name
  // (`getMigrationsToRun`); a named row matches by name alone (hash kept: a different one is
  // `modified`), rows without a name (written by drizzle-orm 0.x) by timestamp and hash.
  const named = (r: DrizzleRow) => r.name !== undefined && r.name !== null;
  const pair = (...parts: unknown[]) => parts.join('\u0000');
  claim(
    (r) => (named(r) ? pair(r.name, r.hash) : null),
    (m) => pair(m.tag, m.hash),
    false,
  );
  claim(
    (r) => (named(r) ? pair(r.name) : null),
    (m) => pair(m.tag),
    true,
  );
  claim(
    (r) => (!named(r) && r.createdAt !== null ? pair(r.createdAt, r.hash) : null),
    (m) => pair(m.when, m.hash),
    false,
  );
  claim(
    (r) => (!named(r) && r.createdAt !== null ? pair(r.createdAt) : null),
    (m) => pair(m.when),
    true,
  );
  claim(
    (r) => (!named(r) ? pair(r.hash) : null),
    (m) => pair(m.hash),
    false,
  );

  const newestApplied = Math.max(-Infinity, ...[...matched.values()].map(({ row }) => row.createdAt ?? -Infinity));
  const migrations = local.map((migration): PlannedMigration<M> => {
    const match = matched.get(migration);
    if (match) {
      return { migration, state: match.modified ? 'modified' : 'applied', outOfOrder: false, row: match.row, lastError: null };
    }
    const last = history.get(migration.tag);
    const failed = last?.outcome === 'failed';
    return {
      migration,
      state: failed ? 'failed' : 'pending',
      outOfOrder: migration.when < newestApplied,
      row: null,
      lastError: last && (last.outcome === 'failed' || last.outcome === 'rolled-back') ? last.error : null,
    };
  });
  return { migrations, unknown: rows.filter((row) => unclaimed.has(row)) };
}

/** Counts per state, for summaries and exit codes. */
export function summarize(status: MigrationStatus): Record<MigrationState | 'unknown', number> {
  const counts = { applied: 0, pending: 0, failed: 0, modified: 0, cosmetic: 0, unknown: status.unknown.length };
  for (const m of status.migrations) counts[m.state]++;
  return counts;
}

/**
 * The migrations a run would apply: pending ones in journal order, up to and including `toTag`.
 * Returns null when `toTag` is not a known migration.
 */
export function selectPending<M extends PlanMigration>(status: MigrationStatus<M>, toTag?: string): PlannedMigration<M>[] | null {
  let list = status.migrations;
  if (toTag !== undefined) {
    const end = list.findIndex((m) => m.migration.tag === toTag);
    if (end === -1) return null;
    list = list.slice(0, end + 1);
  }
  return list.filter((m) => m.state === 'pending');
}

/**
 * The status with each `modified` migration for which `isCosmetic` holds turned `cosmetic` (the
 * file changed only in comments or white space since it was applied). Only modified migrations
 * are asked, so an unchanged folder costs nothing.
 */
export function markCosmetic<M extends PlanMigration>(status: MigrationStatus<M>, cosmetic: ReadonlySet<string>): MigrationStatus<M> {
  if (cosmetic.size === 0) return status;
  return {
    ...status,
    migrations: status.migrations.map((m) => (m.state === 'modified' && cosmetic.has(m.migration.tag) ? { ...m, state: 'cosmetic' } : m)),
  };
}

/** True when a migration's statements were applied as they are now (applied, or applied and only reformatted). */
export function isApplied(state: MigrationState): boolean {
  return state === 'applied' || state === 'cosmetic';
}
