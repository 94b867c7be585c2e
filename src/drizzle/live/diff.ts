/**
 * drizzle-kit's own diff between two snapshots (`applyPgSnapshotsDiff`), with rename questions
 * answered without prompts (generate's resolvers, see ../generate/renames.ts).
 *
 * Two modes, as drizzle-kit has them:
 * - `generate`: both sides are snapshots drizzle-kit serialized from code (a migration's snapshots);
 * - `push`: one side was introspected from a database. drizzle-kit push compares indexes and
 *   policies by what introspection can see alike (name, columns, order, uniqueness, method, `with`;
 *   not operator classes or the text of expressions and predicates), and builds each new index
 *   from the full snapshot, so the SQL is the same as generate would write.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DbctlError } from '../../errors.js';
import { loadKit } from '../kit/index.js';
import { ambiguityError, RenameAnswers, RenameSession, type RenameQuestioner } from '../generate/renames.js';
import type { AppliedRename, Ambiguity, KitInternals } from '../generate/types.js';
import type { PgSnapshot } from './introspect.js';

/** How rename questions are answered. */
export type DiffAnswers =
  /**
   * `--rename FROM=TO` / `--create NAME` answers. An unanswered question fails with exit 2 naming
   * `dbctl <command>` (default), or is answered "new" with `unanswered: 'create'` (then answers
   * that match no question are ignored too).
   */
  | { renames?: readonly string[]; creates?: readonly string[]; command?: string; unanswered?: 'error' | 'create'; ask?: RenameQuestioner }
  /** No renames: every question is answered "new" (drift detection: a rename shows as drop + add). */
  | 'no-renames';

/** drizzle-kit's diff with its JSON statements (for push's data-loss checks) and the renames applied. */
export interface SnapshotDiff {
  sqlStatements: string[];
  /** drizzle-kit's JSON statements, in order. */
  statements: { type: string; [key: string]: unknown }[];
  renames: AppliedRename[];
  /** The flags that repeat the answers given at the terminal (see `RenameSession.askedFlags`). */
  askedFlags: string[];
  /** Questions that had no answer (only with 'no-renames', else the diff throws). */
  unanswered: Ambiguity[];
}

/**
 * Diffs `from` → `to`: the SQL that turns a database shaped like `from` into one shaped like `to`.
 * Throws AMBIGUOUS_RENAME (exit 2, every question and its flags) for an unanswered rename question,
 * USAGE for an answer that matches no question.
 */
export async function diffSnapshots(
  from: PgSnapshot,
  to: PgSnapshot,
  answers: DiffAnswers,
  mode: 'push' | 'generate',
  kit?: KitInternals,
): Promise<SnapshotDiff> {
  const k = kit ?? (await loadKit(path.dirname(fileURLToPath(import.meta.url))));
  const validatedFrom = k.pgSchema.parse(from);
  // the same snapshot on both sides (the common answer of check's comparisons): nothing to diff,
  // and no rename question to answer; `to` is as valid as `from`, validated above
  if (answers === 'no-renames' && sameSnapshot(from, to)) {
    return { sqlStatements: [], statements: [], renames: [], askedFlags: [], unanswered: [] };
  }
  const validatedTo = k.pgSchema.parse(to);
  const action = mode === 'push' ? 'push' : undefined;
  const session =
    answers === 'no-renames'
      ? new RenameSession(new RenameAnswers())
      : new RenameSession(new RenameAnswers(answers.renames ?? [], answers.creates ?? []), answers.ask);
  const r = session.resolvers();
  const result = await k.applyPgSnapshotsDiff(
    k.squashPgScheme(validatedFrom, action),
    k.squashPgScheme(validatedTo, action),
    r.schemas,
    r.enums,
    r.sequences,
    r.policies,
    r.indPolicies,
    r.roles,
    r.tables,
    r.columns,
    r.views,
    validatedFrom,
    validatedTo,
    action,
  );
  if (answers !== 'no-renames' && answers.unanswered !== 'create') settle(session, answers.command ?? 'generate');
  return {
    sqlStatements: result.sqlStatements,
    statements: result.statements as SnapshotDiff['statements'],
    renames: session.applied,
    askedFlags: session.askedFlags,
    unanswered: session.ambiguities,
  };
}

/**
 * Two snapshots alike but for their place in a chain (`id`, `prevId`): every value the same, as
 * JSON sees them (key order aside; a key holding `undefined` is a key left out, as in the files).
 */
export function sameSnapshot(a: PgSnapshot, b: PgSnapshot): boolean {
  const { id: _a, prevId: _pa, ...restA } = a as Record<string, unknown>;
  const { id: _b, prevId: _pb, ...restB } = b as Record<string, unknown>;
  return sameJson(restA, restB);
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameJson(item, b[i]));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key of Object.keys(x)) if (!sameJson(x[key], y[key])) return false;
  for (const key of Object.keys(y)) if (!(key in x) && y[key] !== undefined) return false;
  return true;
}

/** The SQL statements of `diffSnapshots` (the brief's `diffLive`). */
export async function diffLive(
  from: PgSnapshot,
  to: PgSnapshot,
  answers: DiffAnswers,
  mode: 'push' | 'generate',
  kit?: KitInternals,
): Promise<string[]> {
  return (await diffSnapshots(from, to, answers, mode, kit)).sqlStatements;
}

/** generate's settlement, with the command to run again named in the message. */
function settle(session: RenameSession, command: string): void {
  try {
    session.assertSettled();
  } catch (error) {
    if (error instanceof DbctlError && error.code === 'AMBIGUOUS_RENAME' && command !== 'generate') {
      const again = ambiguityError(session.ambiguities, session.answers.unused());
      throw new DbctlError('AMBIGUOUS_RENAME', again.message.replace('dbctl generate', `dbctl ${command}`), {
        details: again.details,
        hint: again.hint,
      });
    }
    throw error;
  }
}
