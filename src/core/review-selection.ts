/**
 * Which migrations `dbctl review` and `dbctl check` look at: named tags; all; those added since a
 * git ref; those pending in an environment; else the newest one. Pure.
 */
import { DbctlError } from '../errors.js';

/** What selects the migrations under review, in order of precedence. */
export interface ReviewSelection {
  tags: string[];
  all: boolean;
  /** Files added since the `--since` ref (absolute paths), when given. */
  addedFiles: string[] | null;
  /** Tags pending in the environment, when `--env` was given. */
  pendingTags: string[] | null;
}

/** Picks the migrations to review, in journal order; throws UNKNOWN_MIGRATION for an unknown tag. */
export function selectForReview<M extends { tag: string; file: string }>(migrations: readonly M[], selection: ReviewSelection): M[] {
  if (selection.tags.length > 0) {
    const unknown = selection.tags.filter((tag) => !migrations.some((m) => m.tag === tag || m.tag.startsWith(`${tag}_`)));
    if (unknown.length) {
      throw new DbctlError('UNKNOWN_MIGRATION', `no migration ${unknown.join(', ')} in the migrations folder`, {
        hint: 'pass tags as in the journal (e.g. 0003_add_orders), or use --all',
      });
    }
    return migrations.filter((m) => selection.tags.some((tag) => m.tag === tag || m.tag.startsWith(`${tag}_`)));
  }
  if (selection.all) return [...migrations];
  if (selection.addedFiles) {
    const added = new Set(selection.addedFiles);
    return migrations.filter((m) => added.has(m.file));
  }
  if (selection.pendingTags) return migrations.filter((m) => selection.pendingTags!.includes(m.tag));
  return migrations.slice(-1);
}

/** The migrations before the first selected one: read by review to know the existing schema. */
export function contextBefore<M extends { tag: string }>(migrations: readonly M[], selected: readonly M[]): M[] {
  const first = migrations.findIndex((m) => selected.includes(m));
  return first === -1 ? [...migrations] : migrations.slice(0, first);
}
