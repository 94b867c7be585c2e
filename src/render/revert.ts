/**
 * What `dbctl revert` shows: its `--json` document, and where the data the reverted migration
 * dropped can be found.
 */
import type { Output } from '../io/output.js';

/** A backup holding data TAG dropped. */
export interface RevertBackup {
  id: string;
  env: string;
  createdAt: string;
  objects: string[];
  command: string;
}

/** `revert()`'s document (`dbctl revert TAG --json`). */
export interface RevertDocument {
  reverted: string;
  migration: { tag: string; file: string; snapshot: string; statements: number } | null;
  statements: string[];
  codeChanges: string[];
  later: string[];
  conflicts: string[];
  overlaps: string[];
  destroyed: string[];
  backups: RevertBackup[];
  review: import('../review/types.js').ReviewReport | null;
}

/**
 * Where the dropped data is: the backups found (with their restore commands), or how to find them
 * (the `database` backup target; none in the backup folder `backupDir`, shown relative).
 */
export function showBackups(out: Output, document: RevertDocument, backup: { target: string; dir: string }): void {
  const tag = document.reverted;
  out.info(`${tag} dropped data: ${document.destroyed.join(', ')}; this migration brings the structure back, not the rows.`);
  if (backup.target === 'database') {
    out.info('  Backups are kept in the database (backup target `database`): list them with `dbctl backups --env <env>`,');
    out.info(
      `  then, after \`dbctl migrate\` has applied this migration there: dbctl restore <id> --env <env> (the backup whose tag is ${tag})`,
    );
    return;
  }
  if (document.backups.length === 0) {
    out.info(`  No backup taken for ${tag} was found in ${backup.dir} (dbctl migrate takes one before each destructive migration).`);
    out.info('  Where the backups of an environment are kept elsewhere, list them there with `dbctl backups --env <env>`.');
    return;
  }
  out.info('  The data is in these backups; after `dbctl migrate` has applied this migration in an environment, restore it there:');
  for (const found of document.backups)
    out.info(`    ${found.command}   (${found.env}, ${found.createdAt}${found.objects.length ? `: ${found.objects.join(', ')}` : ''})`);
}

/**
 * The text view of `dbctl revert`: nothing beyond the lines the run printed as it went (the SQL and
 * its review come in their place there, before the notes on code and data).
 */
export function renderRevert(_document: RevertDocument): void {}
