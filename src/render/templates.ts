/**
 * Fills the templates `dbctl init` writes with what fits the project: its migrations folder and
 * config files (Dockerfile lines), its package manager (install and run commands), and where the
 * package sits in its repository (the workflow's working directory). Pure.
 */
import type { PackageManager } from '../io/project-layout.js';

/** What the templates need to know. */
export interface TemplateFacts {
  /** The drizzle config's `out`, relative to the project, e.g. `drizzle` or `db/migrations`. */
  out: string;
  /** Config files the app image needs, relative to the project. */
  configFiles: string[];
  packageManager: PackageManager;
  /** The lockfile's directory relative to the repository root ('' at the root). */
  installDir: string;
  /** The lockfile path relative to the repository root, or null. */
  lockfile: string | null;
  /** The project relative to the repository root ('' at the root). */
  projectDir: string;
}

const INSTALL: Record<PackageManager, string> = {
  npm: 'npm ci',
  pnpm: 'pnpm install --frozen-lockfile',
  yarn: 'yarn install --immutable',
  'yarn-classic': 'yarn install --frozen-lockfile',
  bun: 'bun install --frozen-lockfile',
};

const RUN: Record<PackageManager, string> = {
  npm: 'npx dbctl',
  pnpm: 'pnpm exec dbctl',
  yarn: 'yarn dbctl',
  'yarn-classic': 'yarn dbctl',
  bun: 'bunx dbctl',
};

const CACHE: Record<PackageManager, string | null> = { npm: 'npm', pnpm: 'pnpm', yarn: 'yarn', 'yarn-classic': 'yarn', bun: null };

/** How to run dbctl with this package manager, e.g. `pnpm exec dbctl`. */
export function runDbctlCommand(manager: PackageManager): string {
  return RUN[manager];
}

/** Replaces the `__NAME__` placeholders of a template. */
export function fillTemplate(template: string, facts: TemplateFacts): string {
  const out = facts.out.replace(/^\.\//, '').replace(/\/$/, '') || '.';
  const indent = (text: string, spaces: number) =>
    text
      .split('\n')
      .map((line) => (line ? ' '.repeat(spaces) + line : line))
      .join('\n');
  const setup = [
    ...(facts.packageManager === 'pnpm' ? ['- uses: pnpm/action-setup@v4'] : []),
    ...(facts.packageManager === 'bun' ? ['- uses: oven-sh/setup-bun@v2'] : []),
    '- uses: actions/setup-node@v4',
    '  with:',
    '    node-version: 20',
    ...(CACHE[facts.packageManager] ? [`    cache: ${CACHE[facts.packageManager]}`] : []),
    ...(CACHE[facts.packageManager] && facts.lockfile ? [`    cache-dependency-path: ${facts.lockfile}`] : []),
    `- run: ${INSTALL[facts.packageManager]}`,
    // the install runs where the lockfile is (a monorepo's root), the dbctl steps in the package
    ...(facts.installDir !== facts.projectDir ? [`  working-directory: ${facts.installDir || '.'}`] : []),
  ].join('\n');
  const defaults = facts.projectDir ? indent(['defaults:', '  run:', `    working-directory: ${facts.projectDir}`].join('\n'), 4) : '';
  return template
    .replaceAll('__OUT__', out)
    .replaceAll('__CONFIG_FILES__', facts.configFiles.join(' '))
    .replaceAll('__RUN__', RUN[facts.packageManager])
    .replaceAll('__INSTALL__', INSTALL[facts.packageManager])
    .replace(/^ *__SETUP__\n/gm, `${indent(setup, 6)}\n`)
    .replace(/^ *__DEFAULTS__\n/gm, defaults ? `${defaults}\n` : '')
    .replaceAll('__PROJECT_DIR__', facts.projectDir || '.');
}
