/**
 * Untrusted to trusted: checks what a dbctl config module exported and turns it into the typed
 * settings the rest of dbctl reads. Every problem is collected, then reported at once.
 * Pure: no fs, no process. Paths are made absolute against the given project directory.
 */
import path from 'node:path';
import { tryParseDuration, durationProblem } from '../core/duration.js';
import { redactText } from '../core/url.js';
import { DbctlError } from '../errors.js';
import { env, isEnvReference } from './define.js';
import { protectHostProblem } from './protection.js';
import type { EnvironmentConfig, ProjectConfig, ReviewAppliedBy, RuleSetting, UrlInput } from './types.js';

/** The dbctl config's own settings (everything but the drizzle config's). */
export interface ParsedConfig {
  /** The drizzle config path as written (relative to the dbctl config); undefined when not set. */
  drizzleConfig: string | undefined;
  environments: Record<string, EnvironmentConfig>;
  protectHosts: string[];
  backup: ProjectConfig['backup'];
  migrate: ProjectConfig['migrate'];
  review: ProjectConfig['review'];
  shadow?: ProjectConfig['shadow'];
  check?: ProjectConfig['check'];
  history: ProjectConfig['history'];
}

/** Default migrate settings (milliseconds): lock_timeout 5s, no statement_timeout, wait 60s, 3 retries. */
export const DEFAULT_MIGRATE: ProjectConfig['migrate'] = { lockTimeoutMs: 5_000, statementTimeoutMs: 0, waitMs: 60_000, lockRetries: 3 };

const TOP_KEYS = ['drizzleConfig', 'environments', 'protect', 'backup', 'migrate', 'review', 'history', 'shadow', 'check'];
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RULE_SETTINGS: readonly RuleSetting[] = ['error', 'warning', 'off'];

type Problems = string[];
type Obj = Record<string, unknown>;

/**
 * Validates a config value (the module's default export, or parsed JSON) and applies defaults.
 * `label` names the file in the error (`dbctl.config.ts`); `projectDir` anchors `backup.dir`.
 * @throws DbctlError CONFIG_INVALID listing every problem, one per line, prefixed by its key path.
 */
export function parseUserConfig(raw: unknown, options: { projectDir: string; label: string }): ParsedConfig {
  const problems: Problems = [];
  const config: Obj = isObject(raw) ? raw : {};
  if (!isObject(raw)) problems.push(`the config must be an object: export default defineConfig({ ... }), got ${describe(raw)}`);
  unknownKeys(config, [...TOP_KEYS, '$schema'], '', problems);

  const drizzleConfig = nonEmptyString(config.drizzleConfig, 'drizzleConfig', problems);
  const environments = parseEnvironments(config.environments, problems);
  const protect = section(config.protect, 'protect', ['hosts'], problems);
  const protectHosts = stringArray(protect.hosts, 'protect.hosts', problems) ?? [];
  protectHosts.forEach((entry, i) => {
    const problem = protectHostProblem(entry);
    // an entry holding a user (and maybe a password) is never repeated
    if (problem) problems.push(`protect.hosts[${i}]${entry.includes('@') ? '' : ` ${JSON.stringify(entry)}`} ${problem}`);
  });
  const backup = parseBackup(section(config.backup, 'backup', ['dir', 'target', 'keep'], problems), options.projectDir, problems);
  const migrate = parseMigrate(
    section(config.migrate, 'migrate', ['lockTimeout', 'statementTimeout', 'wait', 'lockRetries'], problems),
    problems,
  );
  const review = section(config.review, 'review', ['rules', 'appliedBy'], problems);
  const rules = parseRules(review.rules, problems);
  const appliedBy = parseAppliedBy(review.appliedBy, problems);
  const history = section(config.history, 'history', ['schema'], problems);
  const historySchema = nonEmptyString(history.schema, 'history.schema', problems) ?? 'dbctl';
  const shadow = section(config.shadow, 'shadow', ['url'], problems);
  const shadowUrl = parseUrlInput(shadow.url, 'shadow.url', problems);
  const checkSection = section(config.check, 'check', ['acceptJournal'], problems);
  const acceptJournal = stringArray(checkSection.acceptJournal, 'check.acceptJournal', problems) ?? [];

  if (problems.length > 0) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new DbctlError('CONFIG_INVALID', `${options.label} has ${count}`, {
      details: problems.map((problem) => redactText(problem, [])),
      hint: 'fix them and run the command again',
    });
  }
  return {
    drizzleConfig,
    environments,
    protectHosts,
    backup,
    migrate,
    review: { rules, ...(appliedBy ? { appliedBy } : {}) },
    history: { schema: historySchema },
    ...(shadowUrl !== undefined && shadowUrl !== null ? { shadow: { url: shadowUrl } } : {}),
    ...(acceptJournal.length > 0 ? { check: { acceptJournal } } : {}),
  };
}

function parseEnvironments(value: unknown, problems: Problems): Record<string, EnvironmentConfig> {
  const environments: Record<string, EnvironmentConfig> = Object.create(null);
  if (value === undefined || value === null) return environments;
  if (!isObject(value)) {
    problems.push(`environments: expected an object of named environments, got ${describe(value)}`);
    return environments;
  }
  for (const [name, entry] of Object.entries(value)) {
    const at = `environments.${name}`;
    if (name.trim() === '') problems.push(`environments: an environment name is empty`);
    if (typeof entry === 'string' || isEnvReference(entry)) {
      environments[name] = { name, url: parseUrlInput(entry, `${at}`, problems), protected: undefined };
    } else if (isObject(entry)) {
      unknownKeys(entry, ['url', 'directUrl', 'protected'], at, problems);
      if (entry.protected !== undefined && typeof entry.protected !== 'boolean') {
        problems.push(`${at}.protected: expected true or false, got ${describe(entry.protected)}`);
      }
      const flag = typeof entry.protected === 'boolean' ? entry.protected : undefined;
      environments[name] = { name, url: parseUrlInput(entry.url, `${at}.url`, problems), protected: flag };
      if (entry.directUrl !== undefined) environments[name]!.directUrl = parseUrlInput(entry.directUrl, `${at}.directUrl`, problems);
    } else {
      problems.push(`${at}: expected a url string or { url, protected }, got ${describe(entry)}`);
    }
  }
  return environments;
}

/** A url as written: a string (`env:NAME` becomes a variable reference), `env('NAME')`, or unset. */
function parseUrlInput(value: unknown, at: string, problems: Problems): UrlInput {
  if (value === undefined || value === null) return value;
  if (isEnvReference(value)) {
    if (!VARIABLE_NAME.test(value.__dbctlEnv))
      problems.push(`${at}: env(${JSON.stringify(value.__dbctlEnv)}) is not a variable name; write env('DATABASE_URL')`);
    return value;
  }
  if (typeof value === 'string') {
    if (!value.startsWith('env:')) return value;
    const name = value.slice('env:'.length).trim();
    if (!VARIABLE_NAME.test(name)) problems.push(`${at}: "env:" must be followed by a variable name, e.g. "env:DATABASE_URL"`);
    return env(name);
  }
  problems.push(`${at}: expected a url string, env('NAME') or "env:NAME", got ${describe(value)}`);
  return undefined;
}

function parseBackup(backup: Obj, projectDir: string, problems: Problems): ProjectConfig['backup'] {
  const dir = nonEmptyString(backup.dir, 'backup.dir', problems) ?? '.dbctl/backups';
  let target: 'dir' | 'database' = 'dir';
  if (backup.target === 'dir' || backup.target === 'database') target = backup.target;
  else if (backup.target !== undefined) problems.push(`backup.target: expected "dir" or "database", got ${describe(backup.target)}`);
  let keep: number | undefined;
  if (Number.isInteger(backup.keep) && (backup.keep as number) > 0) keep = backup.keep as number;
  else if (backup.keep !== undefined)
    problems.push(`backup.keep: expected a positive whole number of backups to keep, got ${describe(backup.keep)}`);
  return { dir: path.resolve(projectDir, dir), target, keep };
}

function parseMigrate(migrate: Obj, problems: Problems): ProjectConfig['migrate'] {
  const duration = (key: string, fallback: number): number => {
    const value = migrate[key];
    if (value === undefined) return fallback;
    const ms = typeof value === 'string' ? tryParseDuration(value) : undefined;
    if (ms !== undefined) return ms;
    problems.push(
      typeof value === 'string'
        ? `migrate.${key}: ${durationProblem(value, 'value')}`
        : `migrate.${key}: expected a duration such as "5s", got ${describe(value)}`,
    );
    return fallback;
  };
  const lockTimeoutMs = duration('lockTimeout', DEFAULT_MIGRATE.lockTimeoutMs);
  const statementTimeoutMs = duration('statementTimeout', DEFAULT_MIGRATE.statementTimeoutMs);
  const waitMs = duration('wait', DEFAULT_MIGRATE.waitMs);
  let lockRetries = DEFAULT_MIGRATE.lockRetries;
  if (Number.isInteger(migrate.lockRetries) && (migrate.lockRetries as number) >= 0) lockRetries = migrate.lockRetries as number;
  else if (migrate.lockRetries !== undefined)
    problems.push(`migrate.lockRetries: expected a whole number (0 or more), got ${describe(migrate.lockRetries)}`);
  return { lockTimeoutMs, statementTimeoutMs, waitMs, lockRetries };
}

/** `review.appliedBy`: `dbctl` or `drizzle-kit`; undefined when not set. */
function parseAppliedBy(value: unknown, problems: Problems): ReviewAppliedBy | undefined {
  if (value === undefined) return undefined;
  if (value === 'dbctl' || value === 'drizzle-kit') return value;
  problems.push(`review.appliedBy: expected "dbctl" or "drizzle-kit", got ${describe(value)}`);
  return undefined;
}

function parseRules(value: unknown, problems: Problems): Record<string, RuleSetting> {
  const rules: Record<string, RuleSetting> = Object.create(null);
  if (value === undefined) return rules;
  if (!isObject(value)) {
    problems.push(`review.rules: expected an object of rule ids to "error", "warning" or "off", got ${describe(value)}`);
    return rules;
  }
  for (const [rule, setting] of Object.entries(value)) {
    if (RULE_SETTINGS.includes(setting as RuleSetting)) rules[rule] = setting as RuleSetting;
    else problems.push(`review.rules.${rule}: expected "error", "warning" or "off", got ${describe(setting)}`);
  }
  return rules;
}

/** An optional nested object; problems when it is something else or has unknown keys. */
function section(value: unknown, at: string, keys: string[], problems: Problems): Obj {
  if (value === undefined) return {};
  if (!isObject(value)) {
    problems.push(`${at}: expected an object, got ${describe(value)}`);
    return {};
  }
  unknownKeys(value, keys, at, problems);
  return value;
}

function unknownKeys(value: Obj, known: string[], at: string, problems: Problems): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const suggestion = didYouMean(
      key,
      known.filter((name) => !name.startsWith('$')),
    );
    const where = at === '' ? key : `${at}.${key}`;
    problems.push(
      `${where}: unknown key${suggestion ? `; did you mean "${suggestion}"?` : `; known keys: ${known.filter((name) => !name.startsWith('$')).join(', ')}`}`,
    );
  }
}

function nonEmptyString(value: unknown, at: string, problems: Problems): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.trim() !== '') return value;
  problems.push(`${at}: expected a non-empty string, got ${describe(value)}`);
  return undefined;
}

function stringArray(value: unknown, at: string, problems: Problems): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '')) return value as string[];
  problems.push(`${at}: expected an array of host globs such as ["*.prod.example.com"], got ${describe(value)}`);
  return undefined;
}

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isEnvReference(value);
}

/** A short description of a wrong value for messages; long strings are cut. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string' && /:\/\/|@/.test(value)) return 'a url string'; // may hold a password: never repeated
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (typeof value === 'function') return 'a function';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** The candidate closest to `word` (edit distance, case-insensitive), when it is close enough. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  const limit = Math.max(1, Math.min(3, Math.floor(best.candidate.length / 3)));
  return best.distance <= limit ? best.candidate : undefined;
}

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j += 1) d[0]![j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
