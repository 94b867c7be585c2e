/**
 * `migrate`'s planning steps, loaded only when something is pending (or on a dry run): the
 * analysis of the pending migrations, the refusals decided before anything runs (history,
 * transaction control, the protected-environment guard), and the dry run's plan.
 */
import type postgres from 'postgres';
import type { AnalyzedChunk } from '../core/analyze.js';
import type { DestroyedObject, ModifiedTable } from '../core/classify.js';
import { describeDestroyed } from '../core/destroyed.js';
import { guardDestructiveMigrations, type GuardDecision } from '../core/guards.js';
import { selectPending, type MigrationStatus, type PlannedMigration } from '../core/plan.js';
import type { LocalMigration } from '../drizzle/folder.js';
import { DbctlError } from '../errors.js';
import type { HistoryTables } from '../io/history.js';
import { enforce } from '../io/prompt.js';
import { renderPlan } from '../render/migrate.js';
import type { MigrateRun } from './migrate.js';
import { environmentLabel, historyConsistency, readStatus } from './shared.js';

/** A pending migration with its analysed statements. */
export interface Analysis<P extends { migration: LocalMigration } = PlannedMigration<LocalMigration>> {
  planned: P;
  chunks: AnalyzedChunk[];
}

/** `--no-backup` on a protected environment: refused before anything connects (exit 3). */
export async function refuseNoBackup(run: MigrateRun): Promise<void> {
  await enforce(destructiveGuard(run, []));
}

/**
 * The dry run: the plan (statements, their classes, what would be backed up as the live database
 * resolves it now) in the document and as text; a refusal a real run would meet is a note.
 */
export async function dryRun(run: MigrateRun, sql: postgres.Sql, tables: HistoryTables): Promise<void> {
  const { ctx, options, folder, document } = run;
  const status = await readStatus(sql, folder, tables);
  refuseInconsistentHistory(run, status);
  const pending = selectPending(status, options.to) ?? [];
  document.pending = pending.map((p) => p.migration.tag);
  document.status = pending.length ? 'ok' : 'nothing-pending';
  const plan = await analyzePending(pending, folder.migrations);
  // what would be backed up, as the live database resolves it now: objects of tables that hold
  // rows; objects not there yet (created earlier in the run) as the plan names them
  const { resolveLive } = await import('../io/destruction-live.js');
  const extra = parseBackupExtra(options.backupExtra);
  const live = await Promise.all(
    plan.map(async ({ chunks }, i) => {
      const resolved = await resolveLive(sql, [...(i === 0 ? extra : []), ...chunks.flatMap((c) => c.destroys)]);
      return [...resolved.holding, ...resolved.missing.filter((m) => m.kind !== 'opaque')].map(describeDestroyed);
    }),
  );
  document.dryRun = true;
  document.plan = plan.map(({ planned, chunks }, i) => ({
    tag: planned.migration.tag,
    outOfOrder: planned.outOfOrder,
    statements: chunks.map((c) => ({ index: c.index, line: c.line, sql: c.sql.trim(), class: c.class, transactional: c.transactional })),
    backup: options.backup === false ? [] : live[i]!,
  }));
  for (const line of renderPlan(environmentLabel(run.environment), plan)) ctx.out.info(line);
  const judged = plan.map(({ planned, chunks }, i) => ({
    tag: planned.migration.tag,
    objects: [
      ...live[i]!,
      ...chunks
        .flatMap((c) => c.destroys)
        .filter((d) => d.kind === 'opaque')
        .map(describeDestroyed),
    ],
  }));
  const decision = destructiveGuard(
    run,
    judged.filter((d) => d.objects.length > 0),
  );
  if (decision.action === 'refuse') ctx.out.info(`note: a real run would be refused: ${decision.message}; ${decision.hint}`);
}

/**
 * Parses and classifies the pending migrations with the one analysis review uses (the folder's
 * other migrations teach it the schema first). The parser and the classification table load only
 * here, so a run with nothing pending never pays for them.
 */
export async function analyzePending<P extends { migration: LocalMigration }>(
  pending: P[],
  all: readonly LocalMigration[],
): Promise<Analysis<P>[]> {
  if (pending.length === 0) return [];
  const [{ analyzePendingMigrations }, { loadSqlParser, primeSqlParser }] = await Promise.all([
    import('../core/analyze.js'),
    import('../sql/parser.js'),
  ]);
  primeSqlParser(all.map((m) => m.text));
  const parser = await loadSqlParser();
  const chunks = analyzePendingMigrations(
    parser,
    all,
    pending.map((p) => p.migration),
  );
  return pending.map((planned, i) => ({ planned, chunks: chunks[i]! }));
}

/** `--backup-extra a.b,c.d.e` as planned objects (`table` alone is `public.table`). */
export function parseBackupExtra(value: string | undefined): DestroyedObject[] {
  if (!value) return [];
  return value
    .split(',')
    .map((raw) => raw.trim())
    .filter(Boolean)
    .map((name) => {
      const parts = name.split('.');
      if (parts.length > 3 || parts.some((p) => p === '')) {
        throw new DbctlError('USAGE', `--backup-extra ${name}: expected schema.table or schema.table.column`, {
          hint: 'e.g. --backup-extra public.posts,public.users.bio',
        });
      }
      if (parts.length === 3) return { kind: 'column', schema: parts[0]!, table: parts[1]!, column: parts[2]!, reason: '--backup-extra' };
      return {
        kind: 'table',
        schema: parts.length === 2 ? parts[0]! : 'public',
        table: parts[parts.length - 1]!,
        reason: '--backup-extra',
      };
    });
}

/** The tables whose rows a migration visibly updates or deletes (the analysis's planned modifications). */
export function visibleModifies(chunks: AnalyzedChunk[]): ModifiedTable[] {
  return chunks.flatMap((chunk) => chunk.modifies ?? []);
}

/**
 * A migration that ends its own transaction (COMMIT, ROLLBACK, ...) outside dbctl's
 * non-transactional handling is refused before anything runs: its later statements would no longer
 * be atomic with the rest, and a failure would leave it half applied under a false record. A plain
 * COMMIT right before a statement dbctl runs outside a transaction anyway (drizzle users' way to
 * `CREATE INDEX CONCURRENTLY`), and a plain BEGIN right after one, are written for that handling:
 * the analysis marks them `redundantControl`, and they are not run.
 */
export function refuseOwnTransactionControl(run: MigrateRun, analyses: Analysis<{ migration: LocalMigration }>[]): void {
  for (const { planned, chunks } of analyses) {
    for (const chunk of chunks) {
      if (chunk.redundantControl) continue; // a boundary dbctl draws itself: not run
      const control = chunk.classifications.find(
        (c) =>
          /^(COMMIT|ROLLBACK|END|ABORT|PREPARE TRANSACTION|COMMIT PREPARED|ROLLBACK PREPARED)\b/.test(c.summary) &&
          !/^ROLLBACK TO\b/.test(c.summary),
      );
      if (!control) continue;
      const tag = planned.migration.tag;
      const message = `${tag} ends its own transaction (${control.summary} at line ${chunk.line} of ${planned.migration.relativeFile}): refused before anything ran, since what follows it would run outside the migration's transaction`;
      run.document.status = 'failed';
      run.document.error = { tag, statement: chunk.sql.trim(), message };
      throw new DbctlError('TRANSACTION_CONTROL', message, {
        hint: `remove the transaction control from ${planned.migration.relativeFile} (dbctl wraps each migration in a transaction and runs CONCURRENTLY statements outside it by itself); \`dbctl review ${tag}\` shows it as transaction-nesting`,
      });
    }
  }
}

/** The protected-environment guard over the destructive migrations (`destructive`: tag and what it destroys). */
export function destructiveGuard(run: MigrateRun, destructive: { tag: string; objects: string[] }[]): GuardDecision {
  const { ctx, environment, options } = run;
  return guardDestructiveMigrations(
    {
      envName: environment.name,
      protected: environment.protected,
      protectionReasons: environment.protectionReasons,
      interactive: ctx.out.interactive,
      yes: ctx.globals.yes,
    },
    { destructive, allowDestructive: Boolean(options.allowDestructive), backup: options.backup !== false },
  );
}

/**
 * Modified, unknown or part-way failed migrations stop the run before anything is applied
 * (`ran`: what the catalog says of a failed migration's statements outside a transaction).
 */
export function refuseInconsistentHistory(run: MigrateRun, status: MigrationStatus<LocalMigration>, ran: string[] = []): void {
  const { modified, unknown, failed, ok } = historyConsistency(status);
  if (ok) return;
  const { document } = run;
  if (modified.length || unknown.length) {
    const details = [
      ...modified.map((m) => `  - ${m.migration.tag}: file changed since it was applied (checksum differs)`),
      ...unknown.map(
        (r) => `  - database row ${r.id} (created_at ${r.createdAt}, hash ${r.hash.slice(0, 12)}…) matches no migration in the folder`,
      ),
    ];
    document.error = { tag: modified[0]?.migration.tag ?? null, statement: null, message: 'applied migrations do not match the folder' };
    throw new DbctlError(
      'HISTORY_MISMATCH',
      `${modified.length} modified and ${unknown.length} unknown migration${modified.length + unknown.length === 1 ? '' : 's'}: nothing was applied`,
      {
        details,
        hint: 'restore the applied files from git (never edit an applied migration: write a new one), or deploy the code that has the unknown migrations; `dbctl status` shows the list',
      },
    );
  }
  const tag = failed[0]!.migration.tag;
  document.error = { tag, statement: null, message: `${tag} stopped part-way in an earlier run` };
  throw new DbctlError(
    'FAILED_MIGRATION_PENDING',
    `${tag} stopped part-way in an earlier run${failed[0]!.lastError ? ` (${failed[0]!.lastError})` : ''}`,
    {
      details: ran,
      hint: `repair the database by hand, then run \`dbctl resolve ${tag} --applied\` (finish it) or \`dbctl resolve ${tag} --rolled-back\` (undo it, migrate re-runs it)`,
    },
  );
}

/**
 * What the catalog says of a failed migration's statements that run outside a transaction (CREATE
 * INDEX CONCURRENTLY): the index exists and is valid (the statement ran), exists but is invalid (it
 * did not finish), or is absent (it did not run). One line per such statement.
 */
export async function whatRan(sql: postgres.Sql, migration: LocalMigration): Promise<string[]> {
  const { loadSqlParser } = await import('../sql/parser.js');
  const parser = await loadSqlParser();
  const indexes: { index: number; name: string }[] = [];
  migration.statements.forEach((statement, index) => {
    const parsed = parser.parse(statement.sql);
    if ('error' in parsed) return;
    for (const stmt of parsed.statements) {
      const body = stmt.kind === 'IndexStmt' ? (stmt.node?.IndexStmt ?? stmt.node) : null;
      if (!body?.concurrent || !body.idxname) continue;
      const schema = body.relation?.schemaname as string | undefined;
      const quote = (n: string) => `"${n.replace(/"/g, '""')}"`;
      indexes.push({ index, name: schema ? `${quote(schema)}.${quote(String(body.idxname))}` : quote(String(body.idxname)) });
    }
  });
  if (indexes.length === 0) return [];
  const rows = await sql<{ name: string; valid: boolean | null }[]>`
    select u.name, i.indisvalid and i.indisready as valid
      from pg_catalog.unnest(${indexes.map((i) => i.name)}::text[]) as u(name)
      left join pg_catalog.pg_index i on i.indexrelid = pg_catalog.to_regclass(u.name)`;
  const valid = new Map(rows.map((r) => [r.name, r.valid]));
  return indexes.map(({ index, name }) => {
    const state = valid.get(name);
    const where = `  statement ${index + 1} (CREATE INDEX CONCURRENTLY ${name})`;
    if (state === true) return `${where}: the index exists and is valid, so it ran`;
    if (state === false)
      return `${where}: the index exists but is INVALID, so it did not finish: DROP INDEX CONCURRENTLY ${name}, then resolve`;
    return `${where}: the index does not exist, so it did not run`;
  });
}
