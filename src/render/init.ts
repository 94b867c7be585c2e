/**
 * Text and JSON views of `dbctl init`.
 */

/** The `--json` document of `dbctl init`: files written and files kept (they existed), relative to the project. */
export interface InitDocument {
  written: string[];
  skipped: string[];
}

/**
 * The text of `dbctl init`, from its document; `templatesAsked`: a template flag was given (else
 * the flags are listed), `runDbctl`: how this project runs dbctl (`npx dbctl`, `pnpm dbctl`, ...).
 */
export function renderInit(document: InitDocument, templatesAsked: boolean, runDbctl: string): string[] {
  return [
    ...document.written.map((file) => `wrote ${file}`),
    ...document.skipped.map((file) => `kept ${file} (exists; --force overwrites)`),
    ...(templatesAsked ? [] : ['templates: --entrypoint (container entrypoint + Dockerfile lines), --github-actions, --kubernetes, --all']),
    `next: set DATABASE_URL (or put it in .env) and run \`${runDbctl} status\``,
  ];
}
