/**
 * Text and JSON views of `dbctl drop`.
 */

/** The `--json` document of `dbctl drop`. */
export interface DropDocument {
  dropped: string[];
  files: string[];
  /** Each environment looked at, and the dropped migrations applied there. */
  checked: { env: string; applied: string[] }[];
  status: 'dropped' | 'refused';
}

/** What `dbctl drop` prints after dropping (a refusal is its error line), from its document. */
export function renderDrop(document: DropDocument): string[] {
  if (document.status !== 'dropped') return [];
  const seen =
    document.checked.length > 0
      ? `applied nowhere dbctl can see (${document.checked.map((c) => c.env).join(', ')})`
      : 'no environment url is set, so no database was checked';
  return [`dropped ${document.dropped.join(', ')}: ${seen}`, ...document.files.map((file) => `  removed ${file}`)];
}
