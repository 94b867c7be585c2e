/**
 * `push`: drizzle-kit push to the environment, with the production guard first.
 *
 * On a protected environment it is refused (exit 3) before anything connects or runs, whatever
 * the flags: protection is decided from the environment's name, config and configured url (and
 * `url`) without resolving anything, then again from the resolved url. Elsewhere: the database
 * is introspected, diffed against the schema in code (drizzle-kit's push diff), drizzle-kit's
 * data-loss checks run, the statements are shown with their review class and the warnings, data
 * loss needs a confirmation (interactive) or `force`, and everything is applied in one
 * transaction.
 */
import { environmentProtection } from '../config/index.js';
import { analyzeMigration } from '../core/analyze.js';
import { guardPush, guardPushDataLoss, type RunFacts } from '../core/guards.js';
import { planSegments } from '../core/segments.js';
import type { MigrationStatement } from '../core/statements.js';
import { DbctlError, ExitCode } from '../errors.js';
import { applyPush, planPush } from '../drizzle/live/push.js';
import { connect, osUsername } from '../io/db.js';
import { enforce } from '../io/prompt.js';
import { statementTag, type PushDocument } from '../render/push.js';
import { loadSqlParser } from '../sql/parser.js';
import type { CommandContext } from './context.js';
import type { PushOptions } from './options.js';
import { opContext, throwIfAborted } from './run.js';
import { environmentLabel, openProject, targetEnvironment } from './shared.js';

/** Pushes the schema in code; a refusal rejects (exit 3) with the document (`status: 'refused'`). */
export async function push(options: PushOptions = {}, given?: CommandContext): Promise<PushDocument> {
  const ctx = await opContext(options, given);
  const project = await openProject(ctx);
  const document: PushDocument = {
    env: ctx.globals.env ?? 'development',
    statements: [],
    dataLoss: false,
    warnings: [],
    applied: false,
    status: 'refused',
  };
  const run = (envName: string, isProtected: boolean, reasons: readonly string[]): RunFacts => ({
    envName,
    protected: isProtected,
    protectionReasons: reasons,
    interactive: ctx.out.interactive,
    yes: ctx.globals.yes,
  });
  try {
    // 1. Before resolving or connecting anything: the environment's name, config, configured url and --url.
    const protection = environmentProtection(project, ctx.globals.env, ctx.env, ctx.globals.url, osUsername());
    document.env = protection.name;
    await enforce(guardPush(run(protection.name, protection.protected, protection.reasons)));
    // 2. The url actually used (the drizzle config's or DATABASE_URL when no environment gives one).
    const environment = targetEnvironment(ctx, project, 'url');
    await enforce(guardPush(run(environment.name, environment.protected, environment.protectionReasons)));

    throwIfAborted(ctx.signal);
    const db = await connect(environment, { envName: environment.name, application: 'dbctl push' });
    try {
      const plan = await planPush(
        db.sql,
        project.drizzle,
        { renames: options.rename ?? [], creates: options.create ?? [] },
        { excludeSchemas: [project.history.schema] },
      );
      for (const rename of plan.renames) ctx.out.info(`~ ${rename.from} › ${rename.to}  (${rename.kind} renamed)`);
      if (plan.statements.length === 0) {
        document.status = 'nothing-to-push';
        ctx.out.info(`${environmentLabel(environment)}: no changes, the database matches the schema in code`);
        return document;
      }
      const parser = await loadSqlParser();
      const chunks = analyzeMigration(parser, plan.statements.map(toStatement));
      document.statements = chunks.map((chunk) => ({ sql: chunk.sql, class: chunk.class }));
      document.dataLoss = plan.dataLoss;
      document.warnings = plan.warnings;
      ctx.out.info(
        `${environmentLabel(environment)}: ${plan.statements.length} statement${plan.statements.length === 1 ? '' : 's'} to push`,
      );
      for (const chunk of chunks)
        ctx.out.info(`  ${statementTag(chunk.class, ctx.out.color)} ${chunk.sql.trim().replace(/\n/g, '\n      ')}`);
      if (plan.warnings.length > 0) {
        ctx.out.warn(plan.dataLoss ? 'Data-loss statements:' : 'Warnings:');
        for (const warning of plan.warnings) ctx.out.warn(`  ${warning}`);
      }
      await enforce(
        guardPushDataLoss(run(environment.name, environment.protected, environment.protectionReasons), {
          dataLoss: plan.dataLoss,
          force: Boolean(options.force),
        }),
      );
      throwIfAborted(ctx.signal); // the last point where nothing has changed
      const segments = planSegments(chunks);
      await applyPush(db.sql, plan.statements, segments);
      document.applied = true;
      document.status = 'ok';
      const how =
        segments.length === 1 && segments[0]!.transactional
          ? 'in one transaction'
          : `in ${segments.length} steps (statements that cannot run in a transaction ran on their own)`;
      ctx.out.info(
        `✓ applied ${plan.statements.length} statement${plan.statements.length === 1 ? '' : 's'} to "${environment.name}" ${how}`,
      );
      return document;
    } catch (error) {
      if (!(error instanceof DbctlError) && error instanceof Error && !document.applied && document.statements.length > 0) {
        throw new DbctlError('OPERATION_FAILED', `push to "${environment.name}" failed, nothing was changed: ${error.message}`, {
          hint: 'fix the schema in code (or the data) and push again',
          cause: error,
        });
      }
      throw error;
    } finally {
      await db.close().catch(() => {});
    }
  } catch (error) {
    if (error instanceof DbctlError && error.exitCode === ExitCode.refused) {
      document.status = 'refused';
      error.document = document;
    }
    throw error;
  }
}

function toStatement(sql: string, index: number): MigrationStatement {
  return { index, sql, line: 1, offset: 0 };
}
