/**
 * `dbctl init [--entrypoint] [--github-actions] [--kubernetes] [--all] [--force]`: the init
 * operation (`ops/init.ts`).
 */
import type { CommandContext } from '../ops/context.js';
import { initProject } from '../ops/init.js';
import { renderInit } from '../render/init.js';
import { present } from './present.js';

/** Flags of `dbctl init`. */
export interface InitOptions {
  entrypoint?: boolean;
  githubActions?: boolean;
  kubernetes?: boolean;
  all?: boolean;
  force?: boolean;
}

/** Runs `dbctl init`. */
export async function runInit(ctx: CommandContext, options: InitOptions): Promise<number> {
  const { entrypoint, githubActions, kubernetes, all, force } = options;
  const templatesAsked = Boolean(entrypoint || githubActions || kubernetes || all);
  let runDbctl = 'npx dbctl';
  const write = async () => {
    const done = await initProject({ entrypoint, githubActions, kubernetes, all, force }, ctx);
    runDbctl = done.runDbctl;
    return done.document;
  };
  return await present(ctx, write, (document, out) => renderInit(document, templatesAsked, runDbctl).forEach((line) => out.info(line)));
}
