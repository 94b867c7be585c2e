/**
 * What `dbctl generate` shows: its `--json` document, and the review of the new migration as text.
 */
import type { AppliedRename, GenerateResult } from '../drizzle/generate/types.js';
import type { Output } from '../io/output.js';
import type { ReviewReport } from '../review/types.js';
import { renderReview } from './review/index.js';

/** `generate()`'s document (`dbctl generate --json`). */
export interface GenerateDocument {
  /** The migration written; null when the schema had no changes. */
  migration: {
    tag: string;
    idx: number;
    file: string;
    snapshot: string;
    journal: string | null;
    custom: boolean;
    statements: number;
  } | null;
  renames: AppliedRename[];
  /** The new migration's review; null when nothing was written. */
  review: ReviewReport | null;
}

/** The document of a generate run; `shown` makes a path relative to where dbctl runs. */
export function generateDocument(result: GenerateResult, review: ReviewReport | null, shown: (file: string) => string): GenerateDocument {
  const migration = result.migration;
  return {
    migration: migration && {
      tag: migration.tag,
      idx: migration.idx,
      file: shown(migration.sqlPath),
      snapshot: shown(migration.snapshotPath),
      journal: migration.journalPath ? shown(migration.journalPath) : null,
      custom: migration.custom,
      statements: migration.statements.length,
    },
    renames: result.renames,
    review,
  };
}

/** The review of a migration just written, as text (generate, fix, revert; `--json` has it in the document). */
export function showReview(review: ReviewReport | null, out: Output): void {
  if (out.json) return;
  const text = review ? renderReview(review, 'text', { color: out.color }) : '';
  if (text) out.info(text.replace(/\n$/, ''));
}

/** The text view of `dbctl generate` (its progress lines came first): the new migration's review. */
export function renderGenerate(document: GenerateDocument, out: Output): void {
  showReview(document.review, out);
}
