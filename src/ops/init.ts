/**
 * `init`: writes `dbctl.config.ts` (if absent) and the templates asked for (entrypoint, GitHub
 * Actions, Kubernetes). Never needs a database; never overwrites a file unless `force`.
 */
import { constants } from 'node:fs';
import { access, appendFile, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findDrizzleConfig, loadDrizzleSettings } from '../config/drizzle.js';
import { importModule } from '../config/load.js';
import { detectLayout, type ProjectLayout } from '../io/project-layout.js';
import type { InitDocument } from '../render/init.js';
import { fillTemplate, runDbctlCommand, type TemplateFacts } from '../render/templates.js';
import { packageFile } from '../package-files.js';
import type { CommandContext } from './context.js';
import type { InitOptions } from './options.js';
import { opContext } from './run.js';

/** One file init may write: template source, destination in the project, executable or not. */
interface TemplateFile {
  template: string;
  /** Relative to the project, or a function of the layout (the workflow goes to the repository root). */
  destination: string | ((where: { projectDir: string; repoRoot: string }) => string);
  executable?: boolean;
  /** The config is always written (when absent); the others on request. */
  when: (o: InitOptions) => boolean;
}

const TEMPLATES: TemplateFile[] = [
  { template: 'dbctl.config.ts', destination: 'dbctl.config.ts', when: () => true },
  { template: 'dbctl-entrypoint.sh', destination: 'dbctl-entrypoint.sh', executable: true, when: (o) => Boolean(o.entrypoint || o.all) },
  { template: 'Dockerfile.dbctl', destination: 'Dockerfile.dbctl', when: (o) => Boolean(o.entrypoint || o.all) },
  { template: 'github/dbctl.yml', destination: workflowPath, when: (o) => Boolean(o.githubActions || o.all) },
  { template: 'kubernetes/dbctl-migrate.yaml', destination: 'k8s/dbctl-migrate.yaml', when: (o) => Boolean(o.kubernetes || o.all) },
];

const CONFIG_NAMES = ['dbctl.config.ts', 'dbctl.config.mts', 'dbctl.config.js', 'dbctl.config.mjs', 'dbctl.config.json'];
const DRIZZLE_CONFIG_NAMES = ['drizzle.config.ts', 'drizzle.config.mts', 'drizzle.config.js', 'drizzle.config.mjs', 'drizzle.config.json'];

/** `.github/workflows/dbctl.yml` at the repository root; `dbctl-<package>.yml` for a package inside it. */
function workflowPath({ projectDir, repoRoot }: { projectDir: string; repoRoot: string }): string {
  const inside = path.relative(repoRoot, projectDir);
  const name = inside ? `dbctl-${inside.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}.yml` : 'dbctl.yml';
  return path.join(repoRoot, '.github', 'workflows', name);
}

/** Writes the config and the templates asked for; resolves to what was written and what was kept. */
export async function init(options: InitOptions = {}, given?: CommandContext): Promise<InitDocument> {
  return (await initProject(options, given)).document;
}

/** `init`'s document and, for the text view, the command that runs dbctl in this project (`npx dbctl`, ...). */
export async function initProject(
  options: InitOptions = {},
  given?: CommandContext,
): Promise<{ document: InitDocument; runDbctl: string }> {
  const ctx = await opContext(options, given);
  const written: string[] = [];
  const skipped: string[] = [];
  const existingConfig = await firstExisting(ctx.cwd, CONFIG_NAMES);
  const drizzleConfig = (await firstExisting(ctx.cwd, DRIZZLE_CONFIG_NAMES)) ?? 'drizzle.config.ts';
  const layout = detectLayout(ctx.cwd);
  const facts = await templateFacts(ctx.cwd, layout, drizzleConfig, existingConfig ?? 'dbctl.config.ts');
  const shown = (file: string) => path.relative(ctx.cwd, file) || file;
  for (const file of TEMPLATES.filter((t) => t.when(options))) {
    const destination =
      typeof file.destination === 'string'
        ? path.join(ctx.cwd, file.destination)
        : file.destination({ projectDir: ctx.cwd, repoRoot: layout.repoRoot });
    const isConfig = file.template === 'dbctl.config.ts';
    const present = isConfig ? existingConfig : (await exists(destination)) ? shown(destination) : null;
    if (present && !options.force) {
      skipped.push(present);
      continue;
    }
    let text = await readFile(packageFile('templates', file.template), 'utf8');
    text = isConfig ? text.replace('__DRIZZLE_CONFIG__', `./${drizzleConfig}`) : fillTemplate(text, facts);
    await mkdir(path.dirname(destination), { recursive: true });
    await writeFile(destination, text);
    if (file.executable) await chmod(destination, 0o755);
    written.push(shown(destination));
  }
  if (await ignoreBackups(ctx.cwd)) written.push('.gitignore');
  return { document: { written, skipped }, runDbctl: runDbctlCommand(facts.packageManager) };
}

/** What the templates need: `out` from the drizzle config (drizzle's default when it cannot be read), the layout. */
async function templateFacts(cwd: string, layout: ProjectLayout, drizzleConfig: string, dbctlConfig: string): Promise<TemplateFacts> {
  let out = 'drizzle';
  try {
    const settings = await loadDrizzleSettings(findDrizzleConfig(`./${drizzleConfig}`, cwd, cwd), { cwd, importModule });
    out = path.relative(cwd, settings.out) || '.';
  } catch {
    // no readable drizzle config yet: drizzle-kit's default folder
  }
  const fromRoot = (dir: string) => path.relative(layout.repoRoot, dir).split(path.sep).join('/');
  return {
    out: out.split(path.sep).join('/'),
    configFiles: [drizzleConfig, dbctlConfig],
    packageManager: layout.packageManager,
    installDir: fromRoot(layout.lockfileDir),
    lockfile: layout.lockfile ? fromRoot(path.join(layout.lockfileDir, layout.lockfile)) : null,
    projectDir: fromRoot(cwd),
  };
}

/**
 * Adds `.dbctl/` (local backups hold row data) to the project's .gitignore unless an entry already
 * covers it; returns whether the file changed.
 */
async function ignoreBackups(dir: string): Promise<boolean> {
  const file = path.join(dir, '.gitignore');
  const text = await readFile(file, 'utf8').catch(() => '');
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  if (lines.some((line) => ['.dbctl', '.dbctl/', '/.dbctl', '/.dbctl/', '.dbctl/*'].includes(line))) return false;
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  await appendFile(file, `${separator}# dbctl's local backups hold row data\n.dbctl/\n`);
  return true;
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
