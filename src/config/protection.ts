/**
 * Which environments are protected (production-like), and why. Pure: no fs, no process.
 *
 * Contract: protected when the config says `protected: true`; or the environment name, split on
 * `-`, `_`, `.`, has a token `prod`, `production`, `prd` or `live`; or the url's host or database
 * name, split the same way, has such a token; or the url's host matches a `protect.hosts` glob.
 * `protected: false` never lifts any other match.
 *
 * dbctl's reading of "split": also on `/`, `:`, `@`, whitespace and camelCase humps, after trimming,
 * and a token's trailing digits do not count (`prod1`, `production2`, `eu/prod`, `prod eu`,
 * `"PRODUCTION "`, `goLive` are protected); `golive` counts as a token of its own. Hosts and
 * databases are those the connection resolves to (see core/url.ts), not the url's text.
 */
import { createRequire } from 'node:module';
import { canonicalHost, tryResolveConnection, type ConnectionTarget } from '../core/url.js';

/** picomatch, required only when a `protect.hosts` glob is checked (saves its load on every run). */
let picomatch: typeof import('picomatch') | undefined;
const requireHere = createRequire(import.meta.url);

/** Tokens that mark a name, host or database as production. */
export const PRODUCTION_TOKENS: readonly string[] = ['prod', 'production', 'prd', 'live', 'golive'];

/** What protection is decided from. */
export interface ProtectionInput {
  envName: string;
  /** The environment's `protected` flag from config; only `true` has an effect. */
  configProtected?: boolean | undefined;
  /** A database url, read with no environment (tolerant: a url dbctl cannot read is skipped). */
  url?: string | undefined;
  /** Resolved targets (url, directUrl, --url as the driver will use them). */
  targets?: readonly ConnectionTarget[] | undefined;
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
  const nameToken = productionToken(input.envName);
  if (nameToken) reasons.push(`environment name ${quote(input.envName)} contains ${quote(nameToken)}`);
  const targets = [...(input.targets ?? [])];
  if (input.url !== undefined) {
    const target = tryResolveConnection(input.url, {}, '');
    if (target) targets.push(target);
  }
  for (const target of targets) reasons.push(...targetReasons(target, input.protectHosts));
  const unique = [...new Set(reasons)];
  return { protected: unique.length > 0, reasons: unique };
}

/** Why a resolved target is protected: a token in a host or the database name, a `protect.hosts` match. */
export function targetReasons(target: { hosts: readonly string[]; database: string }, protectHosts: readonly string[]): string[] {
  const reasons: string[] = [];
  for (const host of target.hosts) {
    const token = productionToken(host);
    if (token) reasons.push(`host ${quote(host)} contains ${quote(token)}`);
    const glob = protectHosts.find((pattern) => hostMatches(host, pattern));
    if (glob !== undefined) reasons.push(`host ${quote(host)} matches protect.hosts ${quote(glob)}`);
  }
  const dbToken = target.database === '' ? undefined : productionToken(target.database);
  if (dbToken) reasons.push(`database name ${quote(target.database)} contains ${quote(dbToken)}`);
  return reasons;
}

/**
 * The words of a name: split on `-`, `_`, `.`, `/`, `:`, `@`, whitespace and camelCase humps
 * (`goLive`, `appProd`), lower-cased, each with its trailing digits removed (`prod1`, `production2`).
 */
export function nameTokens(text: string): string[] {
  return text
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[-_./:@\s]+/)
    .map((token) => token.replace(/\d+$/, ''))
    .filter((token) => token !== '');
}

/** The first production token of `text` (see `nameTokens`), if any. */
export function productionToken(text: string): string | undefined {
  return nameTokens(text).find((token) => PRODUCTION_TOKENS.includes(token));
}

/**
 * True when `host` matches the `protect.hosts` glob `pattern`: both compared in canonical form
 * (names lower-cased without a trailing dot, IPs in any notation as dotted IPv4 or RFC 5952 IPv6).
 */
export function hostMatches(host: string, pattern: string): boolean {
  picomatch ??= requireHere('picomatch') as typeof import('picomatch');
  const canonical = canonicalHost(host);
  const glob = canonicalPattern(pattern);
  return picomatch.isMatch(canonical, glob, { nocase: true, dot: true, windows: false }) || canonical === glob;
}

/** A `protect.hosts` entry in the form hosts are compared in. */
export function canonicalPattern(pattern: string): string {
  const bare = pattern.trim();
  return /[*?[\]{}!]/.test(bare.replace(/^\[|\]$/g, '')) ? bare.toLowerCase().replace(/\.$/, '') : canonicalHost(bare);
}

/**
 * Why a `protect.hosts` entry is not a host glob (a scheme, user, port or path), or undefined
 * when it is one. Such an entry would never match, so it is a config error.
 */
export function protectHostProblem(entry: string): string | undefined {
  const text = entry.trim();
  if (text === '') return 'is empty';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return 'has a scheme; give the host only, e.g. "db.prod.example.com"';
  if (text.includes('@')) return 'has a user; give the host only';
  if (text.includes('/')) return 'has a path; give the host only';
  if (/^\[.*\]:\d*$/.test(text)) return 'has a port; give the host only (every port of the host is protected)';
  if (!text.startsWith('[') && text.split(':').length === 2) return 'has a port; give the host only (every port of the host is protected)';
  if (/\s/.test(text)) return 'has a space';
  return undefined;
}

/** The hosts and database a url targets; what protection looks at. */
export interface UrlTarget {
  hosts: string[];
  database: string | undefined;
}

/**
 * Reads the host(s) and database name of a url as dbctl resolves it with no environment
 * variables; undefined for anything that is not a readable postgres url.
 */
export function urlTarget(url: string): UrlTarget | undefined {
  const target = tryResolveConnection(url, {}, '');
  if (!target) return undefined;
  return { hosts: target.hosts, database: target.database || undefined };
}

function quote(text: string): string {
  return JSON.stringify(text);
}
