/**
 * Where a scratch database may be made for an environment (`shadow.url`, else beside the
 * environment's own database): the replays of `check` and `fix`.
 */
import { isEnvReference } from '../config/define.js';
import type { ProjectConfig, ResolvedEnvironment } from '../config/types.js';
import { secretsOf } from '../core/url.js';
import type { Database } from '../io/db.js';
import type { ScratchOptions } from '../io/scratch.js';
import type { CommandContext } from './context.js';

/** Where a scratch database may be made for `environment` (see src/io/scratch.ts). */
export function scratchOptions(
  ctx: CommandContext,
  project: ProjectConfig,
  environment: ResolvedEnvironment,
  db: Database,
): ScratchOptions {
  const input = project.shadow?.url;
  const shadowUrl = isEnvReference(input)
    ? ctx.env[input.__dbctlEnv] || undefined
    : typeof input === 'string' && input !== ''
      ? input
      : undefined;
  if (shadowUrl) ctx.out.addSecrets(secretsOf(shadowUrl));
  return {
    shadowUrl,
    environment: { name: environment.name, url: environment.url, protected: environment.protected, sql: db.sql },
    projectDir: project.projectDir,
    application: 'dbctl scratch',
  };
}
