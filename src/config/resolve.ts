/**
 * Picks the environment a command targets, resolves its url (only that one) and decides whether
 * it is protected. The environment variables come in as a map; nothing here reads `process`.
 */
import { resolveConnection, secretsOf, UrlProblem, type ConnectionTarget } from '../core/url.js';
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
  /** The OS user name, the user of a url that names none and sets no PGUSER (as the driver does). */
  osUser?: string | undefined;
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
 * Resolves the selected environment: its url (`--url`, else `directUrl` when set and `use` is
 * `session`, else `url`; with no environments configured, `development` falls back to the drizzle
 * config's url, then `DATABASE_URL`), where that url connects (`connection`, the one resolution
 * every connection, guard and message uses), and its protection judged on every url it has.
 * @throws DbctlError UNKNOWN_ENV, URL_UNSET, USAGE (bad `--url`), CONFIG_INVALID (bad configured url).
 */
export function resolveEnvironment(project: ProjectConfig, options: ResolveOptions): ResolvedEnvironment {
  const protection = environmentProtection(project, options.envName, options.env, options.urlOverride, options.osUser);
  const name = protection.name;
  let url: string;
  let via: ResolvedEnvironment['via'] | 'url' = 'url';
  let connection: ConnectionTarget;
  if (options.urlOverride !== undefined && options.urlOverride !== '') {
    url = options.urlOverride;
    via = '--url';
    connection = resolveUrl(url, '--url', 'USAGE', options.env, options.osUser);
  } else {
    const direct = options.use === 'url' ? undefined : directUrlSource(project, name, options.env);
    const source = direct ?? urlSource(project, name, options.env);
    if (source.url === undefined) throw urlUnset(name, source, direct ? 'directUrl' : 'url');
    url = source.url;
    if (direct) via = 'directUrl';
    connection = resolveUrl(url, sourceLabel(source, direct ? 'directUrl' : 'url'), 'CONFIG_INVALID', options.env, options.osUser);
  }
  const resolved: ResolvedEnvironment = {
    name,
    url,
    protected: protection.protected,
    protectionReasons: protection.reasons,
    connection,
    protectHosts: project.protectHosts,
  };
  if (via !== 'url') resolved.via = via;
  return resolved;
}

/**
 * Decides whether environment `envName` (default `development`) is protected from its name,
 * config flag, `protect.hosts` and every url it has that is set (`url`, `directUrl`, plus
 * `urlOverride` when given), each resolved as the driver will use it (`PG*` variables included).
 * Never fails for an unset url, so commands like `push` can refuse before connecting.
 * @throws DbctlError UNKNOWN_ENV; CONFIG_INVALID / USAGE for a url dbctl cannot read.
 */
export function environmentProtection(
  project: ProjectConfig,
  envName: string | undefined,
  env: EnvMap,
  urlOverride?: string,
  osUser?: string,
): EnvironmentProtection {
  const name = envName === undefined || envName.trim() === '' ? DEFAULT_ENVIRONMENT : envName;
  const configured = configuredEnvironment(project, name);
  const targets: ConnectionTarget[] = [];
  const own = urlSource(project, name, env);
  if (own.url !== undefined) targets.push(resolveUrl(own.url, sourceLabel(own, 'url'), 'CONFIG_INVALID', env, osUser));
  // Guards judge both urls: a directUrl reaching production protects the environment too.
  const direct = directUrlSource(project, name, env);
  if (direct?.url !== undefined) targets.push(resolveUrl(direct.url, sourceLabel(direct, 'directUrl'), 'CONFIG_INVALID', env, osUser));
  if (urlOverride !== undefined && urlOverride !== '') targets.push(resolveUrl(urlOverride, '--url', 'USAGE', env, osUser));
  const protection = protectionOf({ envName: name, configProtected: configured?.protected, targets, protectHosts: project.protectHosts });
  return { name, protected: protection.protected, reasons: protection.reasons };
}

/**
 * Every secret the environment's urls carry (`url`, `directUrl`, `PGPASSWORD`), whichever one
 * the command uses, for redaction. Never throws.
 */
export function environmentSecrets(project: ProjectConfig, envName: string, env: EnvMap): string[] {
  const secrets: string[] = [];
  try {
    secrets.push(...secretsOf(urlSource(project, envName, env).url), ...secretsOf(directUrlSource(project, envName, env)?.url));
  } catch {
    // an unknown environment has no urls
  }
  if (nonEmpty(env.PGPASSWORD)) secrets.push(env.PGPASSWORD!);
  return secrets;
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
    hint: suggestion
      ? `did you mean --env ${suggestion}?`
      : `pass --env with one of them, or add ${JSON.stringify(name)} under environments in dbctl.config.ts`,
  });
}

/** Reads the url of environment `name` from the env map; never throws for an unset url. */
function urlSource(project: ProjectConfig, name: string, env: EnvMap): UrlSource {
  const configured = configuredEnvironment(project, name);
  const origin = `environment ${JSON.stringify(name)}`;
  if (configured === undefined) {
    if (nonEmpty(project.drizzle.url)) {
      return {
        url: project.drizzle.url,
        variable: undefined,
        origin: `dbCredentials.url in ${relativeLabel(project.drizzle.configPath, project.projectDir)}`,
      };
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

/** `STAGING_URL (url of environment "staging")`, `the directUrl of environment "x"`: what a url problem names. */
function sourceLabel(source: UrlSource, key: 'url' | 'directUrl'): string {
  if (source.origin.startsWith('dbCredentials')) return source.origin;
  return source.variable ? `${source.variable} (${key} of ${source.origin})` : `the ${key} of ${source.origin}`;
}

/** Resolves a url as the driver will use it; one line (never echoing the url) when it cannot. */
function resolveUrl(url: string, what: string, code: DbctlErrorCode, env: EnvMap, osUser: string | undefined): ConnectionTarget {
  try {
    return resolveConnection(url, env, osUser);
  } catch (error) {
    if (!(error instanceof UrlProblem)) throw error;
    const notPostgres = error.message.startsWith('is not a PostgreSQL url');
    throw new DbctlError(code, `${what} ${error.message}`, {
      hint: notPostgres ? 'write it as postgres://user:password@host:5432/database' : 'fix the url and run the command again',
    });
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
