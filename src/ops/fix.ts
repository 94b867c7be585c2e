/**
 * `fix`: a fix-forward migration taking the environment's actual database to what its applied
 * migrations produce (replayed by PostgreSQL into a scratch database, see
 * src/drizzle/live/replayed.ts), never undoing an applied migration, and proven on a copy of the
 * live schema before it is written. The database is only read; the migration is written to the
 * folder (drizzle format; its snapshot is the newest one, since the migrations' schema does not
 * change), reviewed and printed, to be applied with `dbctl migrate`. When the database already
 * matches, it says so and writes nothing.
 *
 * Migrations not yet applied to the environment would show up as differences and be repeated in
 * the fix, so they stop it (apply them first). A migration that stopped part-way is what fix is
 * for: the fix completes it, and the output says how to record it.
 */
import path from 'node:path';
import { DbctlError } from '../errors.js';
import { planReplayedFix, type ReplayedFixPlan } from '../drizzle/live/fix.js';
import { schemaDiffersFromSnapshot } from '../drizzle/live/drift.js';
import { appliedOrder, withReplay } from '../drizzle/live/replayed.js';
import { writeUnchangedSchemaMigration } from '../drizzle/live/write-migration.js';
import { connect } from '../io/db.js';
import { showSql, type FixDocument } from '../render/fix.js';
import { showReview } from '../render/generate.js';
import type { CommandContext } from './context.js';
import type { FixOptions } from './options.js';
import { reviewNewMigration } from './review-new.js';
import { opContext, throwIfAborted } from './run.js';
import { scratchOptions } from './schema-scratch.js';
import { environmentLabel, historyTables, openFolder, openProject, readStatus, targetEnvironment } from './shared.js';

/** Writes the fix migration (or nothing when there is no drift) and resolves to fix's document. */
export async function fix(options: FixOptions = {}, given?: CommandContext): Promise<FixDocument> {
  const ctx = await opContext(options, given);
  const project = await openProject(ctx);
  const settings = project.drizzle;
  const environment = targetEnvironment(ctx, project);
  const folder = await openFolder(project);
  const shown = (file: string) => path.relative(ctx.cwd, file) || file;
  throwIfAborted(ctx.signal);
  const db = await connect(environment, { envName: environment.name, application: 'dbctl fix' });
  let plan: ReplayedFixPlan;
  let failed: string[];
  let where = '';
  try {
    const status = await readStatus(db.sql, folder, historyTables(project));
    const pending = status.migrations.filter((m) => m.state === 'pending').map((m) => m.migration.tag);
    failed = status.migrations.filter((m) => m.state === 'failed').map((m) => m.migration.tag);
    if (pending.length > 0) {
      throw new DbctlError(
        'OPERATION_FAILED',
        `${pending.length} migration${pending.length === 1 ? ' is' : 's are'} not applied to "${environment.name}" yet (${pending.join(', ')}); a fix now would repeat ${pending.length === 1 ? 'it' : 'them'}`,
        {
          hint: `apply ${pending.length === 1 ? 'it' : 'them'} first: \`dbctl migrate --env ${environment.name}\`, then run \`dbctl fix --env ${environment.name}\` again`,
        },
      );
    }
    // what the migrations produce: the applied ones as the database applied them, and a migration
    // that stopped part-way in full (the fix completes it)
    const replayed = appliedOrder(status.migrations.filter((m) => m.state !== 'pending'));
    plan = await withReplay(db.sql, replayed, scratchOptions(ctx, project, environment, db), async ({ scratch, replay }) => {
      where = `replayed ${replay.replayed.length} migration${replay.replayed.length === 1 ? '' : 's'} in a ${scratch.where}`;
      return await planReplayedFix(
        db.sql,
        scratch.sql,
        settings,
        { renames: options.rename ?? [], creates: options.create ?? [] },
        { excludeSchemas: [project.history.schema] },
      );
    });
  } finally {
    await db.close().catch(() => {});
  }
  const document: FixDocument = {
    env: environment.name,
    status: 'up-to-date',
    migration: null,
    statements: plan.statements,
    differences: plan.summary,
    review: null,
  };
  for (const rename of plan.renames) ctx.out.info(`~ ${rename.from} › ${rename.to}  (${rename.kind} renamed)`);
  if (plan.statements.length === 0) {
    ctx.out.info(
      `${environmentLabel(environment)}: the database matches what its applied migrations produce (${where}); nothing to fix, nothing written`,
    );
    return document;
  }
  // before writing: afterwards the folder has one more snapshot (the same schema)
  const codeAhead = await schemaDiffersFromSnapshot(settings).catch(() => null);
  ctx.out.info(`${environmentLabel(environment)}: the database differs from what its applied migrations produce (${where}):`);
  for (const line of plan.summary) ctx.out.info(`  - ${line}`);
  throwIfAborted(ctx.signal); // the last point where nothing is written
  // the migrations' schema does not change: the new migration's snapshot is the newest one
  const written = await writeUnchangedSchemaMigration(settings, plan.statements, options.name ?? `fix_${environment.name}`);
  document.status = 'written';
  document.migration = {
    tag: written.tag,
    file: shown(written.sqlPath),
    snapshot: shown(written.snapshotPath),
    statements: written.statements.length,
  };
  ctx.out.info(`✓ wrote ${shown(written.sqlPath)} (${written.statements.length} statement${written.statements.length === 1 ? '' : 's'})`);
  ctx.out.info(`  and ${shown(written.snapshotPath)}${written.journalPath ? `, ${shown(written.journalPath)}` : ''}`);
  if (plan.proof) ctx.out.info(`  proven: ${plan.proof}`);
  showSql(ctx.out, written.statements);
  document.review = await reviewNewMigration(project, written);
  showReview(document.review, ctx.out);
  if (plan.destroys.length > 0) {
    ctx.out.info(
      `destructive: this migration destroys data the database holds and the migrations never made: ${plan.destroys.join(', ')}; \`dbctl migrate\` backs it up first (and needs --allow-destructive on a protected environment)`,
    );
  }
  if (plan.invalidIndexes.length > 0) {
    ctx.out.info(
      `note: invalid index${plan.invalidIndexes.length === 1 ? '' : 'es'} ${plan.invalidIndexes.map((it) => it.name).join(', ')} (a failed CREATE INDEX CONCURRENTLY) ${plan.invalidIndexes.length === 1 ? 'is' : 'are'} dropped and built again`,
    );
  }
  if (codeAhead?.differs) {
    ctx.out.info(
      'note: the schema in code also differs from the newest migration snapshot; that is not drift and this migration does not contain it: run `dbctl generate` for it',
    );
  }
  ctx.out.info(`next: review ${shown(written.sqlPath)}, commit it, and apply it: \`dbctl migrate --env ${environment.name}\``);
  if (failed.length > 0) {
    ctx.out.info(
      `      ${failed.join(', ')} stopped part-way; this migration completes ${failed.length === 1 ? 'it' : 'them'}: first record ${failed.length === 1 ? 'it' : 'them'} with ${failed.map((tag) => `\`dbctl resolve ${tag} --applied --env ${environment.name}\``).join(', ')}`,
    );
  }
  ctx.out.info(`      it was computed from the database of "${environment.name}": environments without the same drift may need it edited`);
  return document;
}
