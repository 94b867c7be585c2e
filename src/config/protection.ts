/**
 * Which environments are protected (production-like), and why. Pure: no fs, no process.
 *
 * Contract: protected when the config says `protected: true`; or the environment name, split on
 * `-`, `_`, `.`, has a token `prod`, `production`, `prd` or `live`; or the url's host or database
 * name, split the same way, has such a token; or the url's host matches a `protect.hosts` glob.
 * `protected: false` never lifts any other match.
 */
import { createRequire } from 'node:module';

/** picomatch, required only when a `protect.hosts` glob is checked (saves its load on every run). */
let picomatch: typeof import('picomatch') | undefined;
const requireHere = createRequire(import.meta.url);

/** Tokens that mark a name, host or database as production. */
export const PRODUCTION_TOKENS: readonly string[] = ['prod', 'production', 'prd', 'live'];

/** What protection is decided from. */
export interface ProtectionInput {
  envName: string;
  /** The environment's `protected` flag from config; only `true` has an effect. */
  configProtected?: boolean | undefined;
  /** The database url, when known. Its password is never looked at or repeated. */
  url?: string | undefined;
  /** `protect.hosts` globs from config. */
  protectHosts: readonly string[];
}

/** Whether an environment is protected, with one human phrase per reason. */
export interface Protection {
  protected: boolean;
  reasons: string[];
}

/** Decides whether an environment is protected, following the contract's rules. */
export function protectionOf(input: ProtectionInput): Protection {
  const reasons: string[] = [];
  if (input.configProtected === true) reasons.push('config sets protected: true');
  const nameToken = productionToken(input.envName, /[-_.]/);
  if (nameToken) reasons.push(`environment name ${quote(input.envName)} contains ${quote(nameToken)}`);
  const target = input.url === undefined ? undefined : urlTarget(input.url);
  if (target) {
    for (const host of target.hosts) {
      // A unix-socket path is split on `/` too, so `/run/prod/` counts like a host `prod`.
      const token = productionToken(host, /[-_./]/);
      if (token) reasons.push(`host ${quote(host)} contains ${quote(token)}`);
      const glob = input.protectHosts.find((pattern) => hostMatches(host, pattern));
      if (glob !== undefined) reasons.push(`host ${quote(host)} matches protect.hosts ${quote(glob)}`);
    }
    const dbToken = target.database === undefined ? undefined : productionToken(target.database, /[-_.]/);
    if (dbToken) reasons.push(`database name ${quote(target.database!)} contains ${quote(dbToken)}`);
  }
  const unique = [...new Set(reasons)];
  return { protected: unique.length > 0, reasons: unique };
}

/** The first production token in `text` split by `separators` (case-insensitive), if any. */
export function productionToken(text: string, separators: RegExp = /[-_.]/): string | undefined {
  return text
    .toLowerCase()
    .split(separators)
    .find((token) => PRODUCTION_TOKENS.includes(token));
}

/** True when `host` matches the `protect.hosts` glob `pattern` (case-insensitive). */
export function hostMatches(host: string, pattern: string): boolean {
  picomatch ??= requireHere('picomatch') as typeof import('picomatch');
  return picomatch.isMatch(host.toLowerCase(), pattern.toLowerCase(), { nocase: true, dot: true, windows: false });
}

/** The hosts and database a url targets; what protection looks at. */
export interface UrlTarget {
  hosts: string[];
  database: string | undefined;
}

/**
 * Reads the host(s) and database name from a postgres url without the WHATWG parser's strictness,
 * so that forms postgres tools accept still count: `postgres://u@/db?host=/var/run/postgresql`,
 * multi-host `postgres://h1,h2/db`, `?dbname=`. Returns undefined for anything that is not a
 * postgres url. The database defaults to the user name, as in libpq. Values that could be a
 * misread password (containing `@`) are dropped.
 */
export function urlTarget(url: string): UrlTarget | undefined {
  const match = /^postgres(?:ql)?:\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?/i.exec(url.trim());
  if (!match) return undefined;
  const authority = match[1] ?? '';
  const hostPart = authority.slice(authority.lastIndexOf('@') + 1);
  const query = new URLSearchParams((match[3] ?? '').slice(1));
  let hosts = hostPart.split(',').map(hostWithoutPort).map(decode);
  if (hosts.every((host) => host === '')) hosts = (query.get('host') ?? '').split(',');
  hosts = hosts.filter((host) => host !== '' && !looksMisparsed(host));
  if (hosts.length === 0) hosts = ['localhost'];
  // Like libpq, the database defaults to the user name.
  const at = authority.lastIndexOf('@');
  const user = at === -1 ? query.get('user') ?? '' : decode(authority.slice(0, at).split(':')[0] ?? '');
  let database: string | undefined = decode((match[2] ?? '').slice(1)) || query.get('dbname') || user || undefined;
  if (database?.includes('@')) database = undefined;
  return { hosts: hosts.map((host) => host.replace(/^\[(.*)\]$/, '$1')), database };
}

/** A host holding `@`, or `:` outside IPv6 brackets, came from a url the pattern misread. */
function looksMisparsed(host: string): boolean {
  return host.includes('@') || (!host.startsWith('[') && host.includes(':'));
}

function hostWithoutPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  return host.replace(/:\d*$/, '');
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function quote(text: string): string {
  return JSON.stringify(text);
}
