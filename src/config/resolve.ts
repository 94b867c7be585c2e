/**
 * Picks the environment a command targets, resolves its url (only that one) and decides whether
 * it is protected. The environment variables come in as a map; nothing here reads `process`.
 */
import { parseDatabaseUrl } from '../core/url.js';
import { DbctlError, type DbctlErrorCode } from '../errors.js';
import { isEnvReference } from './define.js';
import { relativeLabel } from './drizzle.js';
import { protectionOf, type Protection } from './protection.js';
import { didYouMean } from './schema.js';
import type { ProjectConfig, ResolvedEnvironment } from './types.js';

/** The process environment as a plain map. */
export type EnvMap = Readonly<Record<string, string | undefined>>;

/** The environment used when neither `--env` nor `$DBCTL_ENV` names one. */
export const DEFAULT_ENVIRONMENT = 'development';

/** What `resolveEnvironment` needs besides the project. */
export interface ResolveOptions {
  /** `--env` (or `$DBCTL_ENV`, read by the cli); default `development`. */
  envName?: string | undefined;
  /** `--url`: replaces the environment's url; protection still considers both. */
  urlOverride?: string | undefined;
  env: EnvMap;
  /**
   * Which of the environment's urls the command connects through: `session` (default) is
   * `directUrl` when the environment gives one, else `url` (migrate, status, resolve, backup,
   * restore, fix, check); `url` is always `url` (push). `--url` replaces both for the run.
   */
  use?: 'session' | 'url';
}

/** Protection of a named environment, decided without needing its url to be set. */
export interface EnvironmentProtection extends Protection {
  name: string;
}

/** Where an environment's url comes from, and its value when set. */
interface UrlSource {
  url: string | undefined;
  /** The variable it is read from, when dbctl knows it. */
  variable: string | undefined;
  /** For messages: `environment "staging"`, `dbCredentials.url in drizzle.config.ts`. */
  origin: string;
}

/**
 * Resolves the selected environment: its url (`--url`, else the configured one; with no
 * environments configured, `development` falls back to the drizzle config's url, then
 * `DATABASE_URL`) and its protection.
 * @throws DbctlError UNKNOWN_ENV, URL_UNSET, USAGE (bad `--url`), CONFIG_INVALID (bad configured url).
 */
export function resolveEnvironment(project: ProjectConfig, options: ResolveOptions): ResolvedEnvironment {
  const protection = environmentProtection(project, options.envName, options.env, options.urlOverride);
  const name = protection.name;
  let url: string;
  let via: ResolvedEnvironment['via'] | 'url' = 'url';
  if (options.urlOverride !== undefined && options.urlOverride !== '') {
    url = options.urlOverride;
    via = '--url';
    assertPostgresUrl(url, '--url', 'USAGE');
  } else {
    const direct = options.use === 'url' ? undefined : directUrlSource(project, name, options.env);
    const source = direct ?? urlSource(project, name, options.env);
    if (source.url === undefined) throw urlUnset(name, source, direct ? 'directUrl' : 'url');
    url = source.url;
    if (direct) via = 'directUrl';
    const key = direct ? 'directUrl' : 'url';
    assertPostgresUrl(url, source.variable ? `${source.variable} (${key} of ${source.origin})` : `the ${key} of ${source.origin}`, 'CONFIG_INVALID');
  }
  const resolved: ResolvedEnvironment = { name, url, protected: protection.protected, protectionReasons: protection.reasons };
  if (via !== 'url') resolved.via = via;
  return resolved;
}

/**
 * Decides whether environment `envName` (default `development`) is protected from its name,
 * config flag, `protect.hosts` and its url when that url is available, plus `urlOverride` when
 * given. Never fails for an unset url, so commands like `push` can refuse before connecting.
 * @throws DbctlError UNKNOWN_ENV
 */
export function environmentProtection(project: ProjectConfig, envName: string | undefined, env: EnvMap, urlOverride?: string): EnvironmentProtection {
  const name = envName === undefined || envName.trim() === '' ? DEFAULT_ENVIRONMENT : envName;
  const configured = configuredEnvironment(project, name);
  const own = protectionOf({
    envName: name,
    configProtected: configured?.protected,
    url: urlSource(project, name, env).url,
    protectHosts: project.protectHosts,
  });
  const reasons = [...own.reasons];
  // Guards judge both urls: a directUrl reaching production protects the environment too.
  const direct = directUrlSource(project, name, env)?.url;
  if (direct !== undefined) reasons.push(...protectionOf({ envName: name, url: direct, protectHosts: project.protectHosts }).reasons);
  if (urlOverride !== undefined && urlOverride !== '') {
    reasons.push(...protectionOf({ envName: name, url: urlOverride, protectHosts: project.protectHosts }).reasons);
  }
  const unique = [...new Set(reasons)];
  return { name, protected: unique.length > 0, reasons: unique };
}

/** The configured environment `name`; undefined for the implicit `development`; else UNKNOWN_ENV. */
function configuredEnvironment(project: ProjectConfig, name: string) {
  if (Object.hasOwn(project.environments, name)) return project.environments[name];
  const names = Object.keys(project.environments);
  if (names.length === 0 && name === DEFAULT_ENVIRONMENT) return undefined;
  if (names.length === 0) {
    throw new DbctlError('UNKNOWN_ENV', `unknown environment ${JSON.stringify(name)}; no environments are configured`, {
      hint: `add ${JSON.stringify(name)} under environments in dbctl.config.ts (without any, only "development" exists)`,
    });
  }
  const suggestion = didYouMean(name, names);
  throw new DbctlError('UNKNOWN_ENV', `unknown environment ${JSON.stringify(name)}; configured: ${names.join(', ')}`, {
    hint: suggestion ? `did you mean --env ${suggestion}?` : `pass --env with one of them, or add ${JSON.stringify(name)} under environments in dbctl.config.ts`,
  });
}

/** Reads the url of environment `name` from the env map; never throws for an unset url. */
function urlSource(project: ProjectConfig, name: string, env: EnvMap): UrlSource {
  const configured = configuredEnvironment(project, name);
  const origin = `environment ${JSON.stringify(name)}`;
  if (configured === undefined) {
    if (nonEmpty(project.drizzle.url)) {
      return { url: project.drizzle.url, variable: undefined, origin: `dbCredentials.url in ${relativeLabel(project.drizzle.configPath, project.projectDir)}` };
    }
    return { url: nonEmpty(env.DATABASE_URL), variable: 'DATABASE_URL', origin };
  }
  const input = configured.url;
  if (isEnvReference(input)) return { url: nonEmpty(env[input.__dbctlEnv]), variable: input.__dbctlEnv, origin };
  return { url: typeof input === 'string' ? nonEmpty(input) : undefined, variable: undefined, origin };
}

/** The environment's `directUrl` when its config gives one (its value may be unset); else undefined. */
function directUrlSource(project: ProjectConfig, name: string, env: EnvMap): UrlSource | undefined {
  const configured = configuredEnvironment(project, name);
  const input = configured?.directUrl;
  if (input === undefined || input === null) return undefined;
  const origin = `environment ${JSON.stringify(name)}`;
  if (isEnvReference(input)) return { url: nonEmpty(env[input.__dbctlEnv]), variable: input.__dbctlEnv, origin };
  return { url: nonEmpty(input), variable: undefined, origin };
}

function urlUnset(name: string, source: UrlSource, key: 'url' | 'directUrl' = 'url'): DbctlError {
  const quoted = JSON.stringify(name);
  const what = key === 'url' ? 'database url' : 'directUrl';
  if (source.variable === undefined) {
    return new DbctlError('URL_UNSET', `environment ${quoted} has no ${what}`, {
      hint: `set its ${key} in dbctl.config.ts (e.g. env('DATABASE_URL')), export the variable it reads, or pass --url`,
    });
  }
  return new DbctlError('URL_UNSET', `environment ${quoted} has no ${what}: ${source.variable} is not set`, {
    hint: `export ${source.variable}=postgres://… or pass --url`,
  });
}

/** Throws one line (never echoing the url, which may hold a password) unless `url` is postgres://. */
function assertPostgresUrl(url: string, what: string, code: DbctlErrorCode): void {
  if (parseDatabaseUrl(url) !== null) return;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
  const found = scheme && !/^postgres(ql)?$/i.test(scheme) ? ` (it starts with ${scheme}://)` : '';
  throw new DbctlError(code, `${what} is not a PostgreSQL url${found}`, {
    hint: 'write it as postgres://user:password@host:5432/database',
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
