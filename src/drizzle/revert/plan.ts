/**
 * What a revert plans (on either drizzle-kit line) and how TAG is found in the folder.
 */
import { DbctlError } from '../../errors.js';
import type { LocalMigration } from '../folder.js';
import type { SeenRename } from './renames.js';

type Json = Record<string, any>;

/** What a revert would write, and what the user has to know about it. */
export interface RevertPlan {
  /** The migration reverted. */
  tag: string;
  /** Migrations after TAG (empty when TAG is the newest). */
  later: string[];
  statements: string[];
  /** The new migration's snapshot (its id and prevId are replaced when written). */
  snapshot: Json;
  /** Renames TAG made, undone as renames. */
  renames: SeenRename[];
  /** Objects later migrations changed again, left as they are now. */
  conflicts: string[];
  /** Objects later migrations touched that TAG also changed (reverted anyway). */
  overlaps: string[];
  /** Indexes and constraints that go with what the revert removes. */
  cascaded: string[];
  /** Code changes that make the schema in code match the snapshot after the revert. */
  codeChanges: string[];
  /** Data TAG destroyed (`DROP COLUMN public.users.bio`), empty when it destroyed none. */
  destroyed: string[];
}

/** Finds migration `tag` (exact, or the unique migration whose tag starts with `tag_`); UNKNOWN_MIGRATION otherwise. */
export function findMigration(migrations: readonly LocalMigration[], tag: string, outLabel: string): LocalMigration {
  const exact = migrations.find((m) => m.tag === tag);
  if (exact) return exact;
  const prefixed = migrations.filter((m) => m.tag.startsWith(`${tag}_`));
  if (prefixed.length === 1) return prefixed[0]!;
  const newest = migrations.slice(-3).map((m) => m.tag);
  throw new DbctlError('UNKNOWN_MIGRATION', `no migration ${tag} in ${outLabel}`, {
    hint:
      migrations.length === 0 ? 'the folder has no migrations yet' : `the newest are ${newest.join(', ')}; \`dbctl status\` lists them all`,
  });
}
