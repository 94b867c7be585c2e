/**
 * Text and JSON views of `dbctl resolve`.
 */

/** The `--json` document of `dbctl resolve`; `target` says where the connection went (no password). */
export interface ResolveDocument {
  env: string;
  target: string;
  tag: string;
  resolved: 'applied' | 'rolled-back';
}

/** The line `dbctl resolve` prints, from its document. */
export function renderResolve(document: ResolveDocument): string[] {
  return [
    document.resolved === 'applied'
      ? `${document.tag} recorded as applied in ${document.target}`
      : `${document.tag} recorded as rolled back in ${document.target}; \`dbctl migrate\` will apply it again`,
  ];
}
