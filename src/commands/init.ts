/**
 * `dbctl init [--entrypoint] [--github-actions] [--kubernetes] [--all] [--force]`: writes
 * `dbctl.config.ts` (if absent) and the templates asked for. Never needs a database; never
 * overwrites a file unless `--force`.
 */
import { constants } from 'node:fs';
import { access, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode } from '../errors.js';
import type { CommandContext } from './context.js';
import { packageFile } from '../package-files.js';

/** Flags of `dbctl init`. */
export interface InitOptions {
  entrypoint?: boolean;
  githubActions?: boolean;
  kubernetes?: boolean;
  all?: boolean;
  force?: boolean;
}

/** One file init may write: template source, destination in the project, executable or not. */
interface TemplateFile {
  template: string;
  destination: string;
  executable?: boolean;
  /** The config is always written (when absent); the others on request. */
  when: (o: InitOptions) => boolean;
}

const TEMPLATES: TemplateFile[] = [
  { template: 'dbctl.config.ts', destination: 'dbctl.config.ts', when: () => true },
  { template: 'dbctl-entrypoint.sh', destination: 'dbctl-entrypoint.sh', executable: true, when: (o) => Boolean(o.entrypoint || o.all) },
  { template: 'Dockerfile.dbctl', destination: 'Dockerfile.dbctl', when: (o) => Boolean(o.entrypoint || o.all) },
  { template: 'github/dbctl.yml', destination: '.github/workflows/dbctl.yml', when: (o) => Boolean(o.githubActions || o.all) },
  { template: 'kubernetes/dbctl-migrate.yaml', destination: 'k8s/dbctl-migrate.yaml', when: (o) => Boolean(o.kubernetes || o.all) },
];

const CONFIG_NAMES = ['dbctl.config.ts', 'dbctl.config.mts', 'dbctl.config.js', 'dbctl.config.mjs', 'dbctl.config.json'];
const DRIZZLE_CONFIG_NAMES = ['drizzle.config.ts', 'drizzle.config.mts', 'drizzle.config.js', 'drizzle.config.mjs', 'drizzle.config.json'];


/** Runs `dbctl init`. */
export async function runInit(ctx: CommandContext, options: InitOptions): Promise<number> {
  const written: string[] = [];
  const skipped: string[] = [];
  const existingConfig = await firstExisting(ctx.cwd, CONFIG_NAMES);
  const drizzleConfig = (await firstExisting(ctx.cwd, DRIZZLE_CONFIG_NAMES)) ?? 'drizzle.config.ts';
  for (const file of TEMPLATES.filter((t) => t.when(options))) {
    const destination = path.join(ctx.cwd, file.destination);
    const isConfig = file.template === 'dbctl.config.ts';
    const present = isConfig ? existingConfig : (await exists(destination)) ? file.destination : null;
    if (present && !options.force) {
      skipped.push(present);
      continue;
    }
    let text = await readFile(packageFile('templates', file.template), 'utf8');
    if (isConfig) text = text.replace('__DRIZZLE_CONFIG__', `./${drizzleConfig}`);
    await mkdir(path.dirname(destination), { recursive: true });
    await writeFile(destination, text);
    if (file.executable) await chmod(destination, 0o755);
    written.push(file.destination);
  }
  if (ctx.out.json) {
    ctx.out.writeJson({ written, skipped });
  } else {
    for (const file of written) ctx.out.info(`wrote ${file}`);
    for (const file of skipped) ctx.out.info(`kept ${file} (exists; --force overwrites)`);
    if (!options.entrypoint && !options.githubActions && !options.kubernetes && !options.all) {
      ctx.out.info('templates: --entrypoint (container entrypoint + Dockerfile lines), --github-actions, --kubernetes, --all');
    }
    ctx.out.info('next: set DATABASE_URL and run `dbctl status`');
  }
  return ExitCode.ok;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

async function firstExisting(dir: string, names: string[]): Promise<string | null> {
  for (const name of names) if (await exists(path.join(dir, name))) return name;
  return null;
}
