/**
 * What `dbctl migrate` shows: live progress on a terminal (which migration, for how long), quiet
 * plain lines otherwise, the dry-run plan, a failure with the SQL in context, and the JSON shape.
 */
import kleur from 'kleur';
import type { AnalyzedChunk } from '../core/analyze.js';
import { describeDestroyed } from '../core/destroyed.js';
import type { PlannedMigration } from '../core/plan.js';
import type { LocalMigration } from '../drizzle/folder.js';
import type { AppliedMigration, ApplyEvent, ApplyFailure } from '../io/apply.js';
import { describeBlocker } from '../io/blockers.js';
import type { Output } from '../io/output.js';
import { renderSqlError } from './sql-error.js';

/** The contract's `dbctl migrate --json` document (plus `dryRun`/`plan` on a dry run). */
export interface MigrateDocument {
  env: string;
  applied: AppliedMigration[];
  pending: string[];
  status: 'ok' | 'failed' | 'nothing-pending' | 'refused';
  /** `code` is the DbctlError code when the run stopped on one (LOCK_NOT_HELD, CONNECTION_LOST, ...). */
  error?: { tag: string | null; statement: string | null; message: string; code?: string };
  dryRun?: boolean;
  plan?: {
    tag: string;
    outOfOrder: boolean;
    statements: { index: number; line: number; sql: string; class: string; transactional: boolean }[];
    backup: string[];
  }[];
}

/** The line closing a run that applied everything it planned, from its document. */
export function appliedSummary(document: MigrateDocument): string {
  const total = document.applied.reduce((sum, a) => sum + a.ms, 0);
  return `${document.applied.length} migration${document.applied.length === 1 ? '' : 's'} applied in ${total}ms`;
}

/**
 * The text view of a finished run: nothing more. `migrate` streams its text while it runs
 * (progress, the plan, the closing line from `appliedSummary`, failures on stderr), so a terminal
 * and an API reporter see each line when it happens; the document is for `--json`.
 */
export function renderMigrate(_document: MigrateDocument): string[] {
  return [];
}

/** Progress for a run: a ticking line on a TTY, one line per migration otherwise. */
export function createMigrateReporter(out: Output): { onEvent: (event: ApplyEvent) => void; done: () => void } {
  let ticker: NodeJS.Timeout | undefined;
  let current: { tag: string; started: number; label: string } | undefined;
  const clearTicker = () => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
  };
  const live = out.tty && !out.json;
  return {
    onEvent(event) {
      if (event.type === 'start') {
        const label = `[${event.index + 1}/${event.total}] ${event.tag}`;
        current = { tag: event.tag, started: Date.now(), label };
        if (live) {
          ticker = setInterval(() => {
            out.rewriteLine(`\r${kleur.cyan('…')} ${label} ${kleur.dim(`${((Date.now() - current!.started) / 1000).toFixed(1)}s`)}`);
          }, 500);
          ticker.unref();
        }
      } else if (event.type === 'applied') {
        clearTicker();
        if (live) out.rewriteLine('\r\x1b[2K');
        const suffix = `${event.ms}ms`;
        out.info(`${kleur.green('applied')} ${current?.label ?? event.tag} ${kleur.dim(suffix)}`);
      } else if (event.type === 'lock-retry') {
        if (live) out.rewriteLine('\r\x1b[2K');
        const who = event.blockers.length ? ` behind ${describeBlocker(event.blockers[0]!)}` : '';
        out.warn(`${event.tag}: lock_timeout reached waiting for a lock${who}; retry ${event.attempt} in ${event.waitMs}ms`);
      }
    },
    done: clearTicker,
  };
}

/** `; the 3 migrations before it stay applied` (nothing when none was applied before it). */
export function keptApplied(appliedBefore: number): string {
  if (!appliedBefore) return '';
  return appliedBefore === 1 ? '; the 1 migration before it stays applied' : `; the ${appliedBefore} migrations before it stay applied`;
}

/** The error block for a failed migration. */
export function failureLines(failure: ApplyFailure, migration: LocalMigration, appliedBefore: number): string[] {
  const lines: string[] = [];
  const kept = keptApplied(appliedBefore);
  if (failure.backupFailed) {
    lines.push(`${kleur.red('error:')} the backup before ${failure.tag} failed: ${failure.message}`);
    lines.push(`nothing of ${failure.tag} was applied${kept}.`);
    lines.push(
      `hint: ${failure.backupFailed.hint ?? 'fix the backup target (backup.dir or backup.target in dbctl.config) and run `dbctl migrate` again'}`,
    );
    return lines;
  }
  if (failure.lockTimeout) {
    lines.push(
      `${kleur.red('error:')} ${failure.tag} could not get its lock after ${failure.lockTimeout.attempts} attempts (statement ${failure.statementIndex + 1}, line ${failure.line} of ${failure.relativeFile})`,
    );
    if (failure.lockTimeout.blockers.length) {
      lines.push('  blocked by:');
      for (const b of failure.lockTimeout.blockers) lines.push(`    ${describeBlocker(b)}`);
    } else {
      lines.push('  the blocking session ended before it could be identified');
    }
  } else {
    lines.push(
      `${kleur.red('error:')} ${failure.tag} failed at statement ${failure.statementIndex + 1} (line ${failure.line} of ${failure.relativeFile})`,
    );
  }
  lines.push(
    ...renderSqlError({
      relativeFile: failure.relativeFile,
      text: migration.text,
      line: failure.line,
      statement: failure.statement,
      message: failure.message,
      code: failure.code,
      detail: failure.detail,
      hint: failure.hint,
      fileOffset: failure.fileOffset,
    }),
  );
  if (failure.partial) {
    lines.push(
      `${failure.tag} stopped part-way: statements before ${failure.statementIndex + 1} ran outside a transaction or were committed${kept}.`,
    );
    lines.push(
      `hint: repair the database by hand, then run \`dbctl resolve ${failure.tag} --applied\` or \`dbctl resolve ${failure.tag} --rolled-back\``,
    );
  } else if (failure.lockTimeout) {
    lines.push(`nothing of ${failure.tag} was applied${kept}.`);
    lines.push(
      'hint: end or wait for the blocking session (see above), then run `dbctl migrate` again; raise --lock-timeout to wait longer per attempt',
    );
  } else {
    lines.push(`nothing of ${failure.tag} was applied (its transaction was rolled back)${kept}.`);
    lines.push(
      `hint: fix ${failure.relativeFile} (it is not applied anywhere yet) or write a fix migration, then run \`dbctl migrate\` again`,
    );
  }
  return lines;
}

/** The dry-run plan: each migration, its statements, their classes, and what would be backed up. */
export function renderPlan(label: string, plan: { planned: PlannedMigration<LocalMigration>; chunks: AnalyzedChunk[] }[]): string[] {
  if (plan.length === 0) return [`${label}: nothing pending (dry run)`];
  const lines = [`${label}: dry run, ${plan.length} migration${plan.length === 1 ? '' : 's'} would be applied; nothing is changed`];
  const paint = { safe: kleur.green, locking: kleur.yellow, destructive: kleur.red } as const;
  for (const { planned, chunks } of plan) {
    const m = planned.migration;
    lines.push(`${kleur.bold(m.tag)}${planned.outOfOrder ? kleur.yellow(' (out of order)') : ''}  ${kleur.dim(m.relativeFile)}`);
    for (const chunk of chunks) {
      const sqlLines = chunk.sql.trim().split('\n');
      const first = sqlLines.find((l) => l.trim() !== '' && !l.trim().startsWith('--')) ?? sqlLines[0] ?? '';
      const shown = first.length > 100 ? `${first.slice(0, 97)}...` : first;
      const flags = [
        chunk.redundantControl ? 'not run: dbctl ends or opens its transaction here itself' : '',
        chunk.transactional ? '' : 'outside a transaction',
        chunk.commitAfter ? 'commits after' : '',
      ]
        .filter(Boolean)
        .join(', ');
      lines.push(
        `  ${paint[chunk.class](chunk.class.padEnd(11))} ${kleur.dim(`line ${chunk.line}`)}  ${shown}${flags ? kleur.dim(`  (${flags})`) : ''}`,
      );
    }
    const destroys = chunks.flatMap((c) => c.destroys);
    if (destroys.length) {
      lines.push(`  backup before applying: ${destroys.map(describeDestroyed).join('; ')}`);
    }
  }
  return lines;
}
