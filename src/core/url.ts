/**
 * Where a command connects, decided once: a PostgreSQL url read as dbctl's driver will use it
 * (query parameters, `PG*` variables filling what the url leaves out, unix sockets), canonical
 * host forms for the guards, and the redaction of passwords from everything dbctl shows or writes.
 * Pure: no process, fs or network (the environment comes in as a map).
 */

/** An sslmode as libpq names it. */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** The one resolution of where a connection goes; the driver is configured from this only. */
export interface ConnectionTarget {
  /** Host names, IP literals (canonical), or one unix-socket directory (starts with `/`). */
  hosts: string[];
  /** The port of each host (for a socket: the `.s.PGSQL.<port>` suffix). */
  ports: number[];
  /** True when `hosts[0]` is a unix-socket directory. */
  socket: boolean;
  database: string;
  user: string;
  /** Never shown; registered for redaction. */
  password: string | undefined;
  /** undefined: the driver's default (no TLS). */
  ssl: SslMode | undefined;
  sslNegotiation: 'direct' | 'postgres' | undefined;
  /** Server settings sent at connection start (`options`, `search_path`, other GUCs). */
  startup: Record<string, string>;
  targetSessionAttrs: string | undefined;
  connectTimeoutS: number | undefined;
  /** false with `?prepare=false` or Prisma's `?pgbouncer=true`. */
  prepare: boolean | undefined;
  /** Where the database name came from, for messages: `url path`, `?database=`, `PGDATABASE`, `user name`. */
  databaseFrom: string;
}

/** A url dbctl cannot read safely; the message never repeats the url. */
export class UrlProblem extends Error {
  override name = 'UrlProblem';
}

/** The process environment as a plain map (only `PG*` and user-name variables are read). */
export type UrlEnv = Readonly<Record<string, string | undefined>>;

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const ENCODE_HINT = 'percent-encode special characters in the user and password (@ → %40, / → %2F, % → %25, # → %23, ? → %3F)';

/** libpq connection keywords that are not server settings and that dbctl's driver cannot honour. */
const UNSUPPORTED = new Set([
  'hostaddr',
  'service',
  'passfile',
  'replication',
  'sslcert',
  'sslkey',
  'sslcrl',
  'sslcrldir',
  'sslpassword',
  'sslcertmode',
  'sslsni',
  'krbsrvname',
  'gsslib',
  'gssencmode',
  'gssdelegation',
  'requirepeer',
  'require_auth',
  'channel_binding',
  'load_balance_hosts',
  'keepalives',
  'keepalives_idle',
  'keepalives_interval',
  'keepalives_count',
  'tcp_user_timeout',
  'client_encoding',
  'requiressl',
  'min_protocol_version',
  'max_protocol_version',
]);

/** Driver settings some urls carry (postgres.js, Prisma); dbctl decides these itself. */
const IGNORED = new Set([
  'max',
  'idle_timeout',
  'max_lifetime',
  'max_pipeline',
  'backoff',
  'keep_alive',
  'debug',
  'fetch_types',
  'publications',
  'application_name',
  'connection_limit',
  'pool_timeout',
  'statement_cache_size',
  'socket_timeout',
]);

const SSL_MODES: Record<string, SslMode> = {
  disable: 'disable',
  false: 'disable',
  allow: 'allow',
  prefer: 'prefer',
  require: 'require',
  'no-verify': 'require',
  'verify-ca': 'verify-ca',
  'verify-full': 'verify-full',
  true: 'verify-full',
};

/** What a url says, before the environment fills the gaps. */
interface UrlParts {
  user: string | undefined;
  password: string | undefined;
  hosts: { host: string; port: number | undefined }[];
  path: string | undefined;
  query: Map<string, string>;
}

/** Strict percent-decoding: a `%` not followed by two hex digits, or bytes that are not UTF-8, are a problem. */
function decode(text: string, what: string): string {
  if (/%(?![0-9a-f]{2})/i.test(text))
    throw new UrlProblem(`has a '%' in its ${what} that is not followed by two hex digits; ${ENCODE_HINT}`);
  try {
    return decodeURIComponent(text);
  } catch {
    throw new UrlProblem(`has percent-escapes in its ${what} that are not UTF-8; ${ENCODE_HINT}`);
  }
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535)
    throw new UrlProblem(`has a port that is not a number from 1 to 65535`);
  return Number(text);
}

/** Splits the url into its parts; throws UrlProblem for anything ambiguous. */
function parseUrl(url: string): UrlParts {
  const text = url.trim();
  const scheme = SCHEME.exec(text);
  if (!scheme || !/^postgres(ql)?$/i.test(scheme[1]!)) {
    const other = scheme ? ` (it starts with ${scheme[1]}://)` : '';
    throw new UrlProblem(`is not a PostgreSQL url${other}`);
  }
  const rest = text.slice(scheme[0].length);
  if (rest.includes('#')) throw new UrlProblem(`has an unencoded '#'; ${ENCODE_HINT}`);
  const q = rest.indexOf('?');
  const beforeQuery = q === -1 ? rest : rest.slice(0, q);
  const queryText = q === -1 ? '' : rest.slice(q + 1);
  const slash = beforeQuery.indexOf('/');
  const authority = slash === -1 ? beforeQuery : beforeQuery.slice(0, slash);
  const pathText = slash === -1 ? undefined : beforeQuery.slice(slash + 1);
  const ats = authority.split('@').length - 1;
  if (ats > 1) throw new UrlProblem(`has an unencoded '@' in its user or password; ${ENCODE_HINT}`);
  if (ats === 0 && (pathText?.includes('@') || /(^|&)[^=&]*@/.test(queryText))) {
    throw new UrlProblem(`has an '@' after its host, as when a password holds an unencoded '/' or '?'; ${ENCODE_HINT}`);
  }
  let user: string | undefined;
  let password: string | undefined;
  let hostText = authority;
  if (ats === 1) {
    const at = authority.indexOf('@');
    const userinfo = authority.slice(0, at);
    hostText = authority.slice(at + 1);
    const colon = userinfo.indexOf(':');
    user = decode(colon === -1 ? userinfo : userinfo.slice(0, colon), 'user or password') || undefined;
    password = colon === -1 ? undefined : decode(userinfo.slice(colon + 1), 'user or password') || undefined;
  }
  const hosts = hostText === '' ? [] : hostText.split(',').map(parseHostEntry);
  const query = new Map<string, string>();
  for (const pair of queryText.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq === -1) throw new UrlProblem(`has a query parameter without '=' (a password holding '?' or '&'?); ${ENCODE_HINT}`);
    const key = decode(pair.slice(0, eq).replace(/\+/g, ' '), 'query');
    const value = decode(pair.slice(eq + 1).replace(/\+/g, ' '), 'query');
    const previous = query.get(key);
    if (previous !== undefined && previous !== value) throw new UrlProblem(`gives ?${key}= twice with different values`);
    query.set(key, value);
  }
  return { user, password, hosts, path: pathText === undefined ? undefined : decode(pathText, 'database name'), query };
}

function parseHostEntry(entry: string): { host: string; port: number | undefined } {
  if (entry.startsWith('[')) {
    const end = entry.indexOf(']');
    if (end === -1) throw new UrlProblem(`has an IPv6 host without its closing ']'`);
    const after = entry.slice(end + 1);
    if (after !== '' && !after.startsWith(':')) throw new UrlProblem(`has text after an IPv6 host`);
    return { host: decode(entry.slice(1, end), 'host'), port: after === '' ? undefined : parsePort(after.slice(1)) };
  }
  const colons = entry.split(':').length - 1;
  if (colons > 1) throw new UrlProblem(`has an IPv6 host without brackets; write it as [::1]`);
  const [host, port] = colons === 1 ? [entry.slice(0, entry.indexOf(':')), entry.slice(entry.indexOf(':') + 1)] : [entry, undefined];
  return { host: decode(host!, 'host'), port: port === undefined || port === '' ? undefined : parsePort(port) };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Resolves a url exactly as dbctl's connections will use it. Query parameters win over the url's
 * parts (`?host=`, `?port=`, `?database=`/`?dbname=`, `?user=`, `?password=`), the `PG*`
 * variables fill what the url leaves out (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD,
 * PGSSLMODE, PGOPTIONS, PGTARGETSESSIONATTRS, PGCONNECT_TIMEOUT), the user defaults to
 * `fallbackUser` (the OS user; `''` leaves a url naming none with an empty user) and the database to the user. A host starting with `/` (also
 * percent-encoded, `%2Frun%2Fpostgresql`) is a unix-socket directory. Other query parameters are
 * server settings sent at connection start (`options`, `search_path`, ...).
 * @throws UrlProblem for a url that is not PostgreSQL's, malformed, ambiguous, or unsupported.
 */
export function resolveConnection(url: string, env: UrlEnv = {}, fallbackUser?: string): ConnectionTarget {
  const parts = parseUrl(url);
  const query = parts.query;
  const take = (key: string) => {
    const value = query.get(key);
    query.delete(key);
    return value;
  };

  // hosts and ports: ?host= / ?port= win, then the url, then PGHOST / PGPORT, then localhost:5432
  const queryHost = nonEmpty(take('host'));
  const queryPort = nonEmpty(take('port'));
  let hosts: { host: string; port: number | undefined }[];
  // ?host= replaces the hosts only: a port written in the url's authority still counts (as in libpq)
  const urlPort = parts.hosts.length === 1 ? parts.hosts[0]!.port : undefined;
  if (queryHost !== undefined) hosts = queryHost.split(',').map((host) => ({ host, port: urlPort }));
  else if (parts.hosts.some((h) => h.host !== '')) hosts = parts.hosts;
  else if (nonEmpty(env.PGHOST) !== undefined) hosts = env.PGHOST!.split(',').map((host) => ({ host, port: undefined }));
  else hosts = [{ host: 'localhost', port: parts.hosts[0]?.port }];
  if (hosts.some((h) => h.host === '')) throw new UrlProblem('has an empty host in its host list');
  const portList = (queryPort ?? (hosts.every((h) => h.port === undefined) ? nonEmpty(env.PGPORT) : undefined))?.split(',').map(parsePort);
  if (portList && portList.length !== 1 && portList.length !== hosts.length)
    throw new UrlProblem('gives a different number of ports than hosts');
  const fallbackPort = portList?.length === 1 ? portList[0]! : 5432;
  const ports = hosts.map((h, i) =>
    portList && portList.length > 1 ? portList[i]! : queryPort !== undefined ? fallbackPort : (h.port ?? fallbackPort),
  );
  const socket = hosts.some((h) => h.host.startsWith('/'));
  if (socket && hosts.length > 1) throw new UrlProblem('names a unix socket among several hosts; give one socket directory');

  // who and which database
  const user =
    nonEmpty(take('user')) ??
    parts.user ??
    nonEmpty(env.PGUSER) ??
    nonEmpty(env.PGUSERNAME) ??
    nonEmpty(fallbackUser) ??
    nonEmpty(env.USER) ??
    nonEmpty(env.LOGNAME) ??
    nonEmpty(env.USERNAME);
  // fallbackUser '' judges a url without knowing the OS user: the user (and the database it defaults to) stay empty
  if (user === undefined && fallbackUser !== '') throw new UrlProblem('names no user, and PGUSER is not set');
  const password = nonEmpty(take('password')) ?? parts.password ?? nonEmpty(env.PGPASSWORD);
  const byDatabase = nonEmpty(take('database'));
  const byDbname = nonEmpty(take('dbname'));
  if (byDatabase !== undefined && byDbname !== undefined && byDatabase !== byDbname)
    throw new UrlProblem('gives ?database= and ?dbname= with different values');
  let database: string;
  let databaseFrom: string;
  if (byDatabase !== undefined) [database, databaseFrom] = [byDatabase, '?database='];
  else if (byDbname !== undefined) [database, databaseFrom] = [byDbname, '?dbname='];
  else if (nonEmpty(parts.path) !== undefined) [database, databaseFrom] = [parts.path!, 'url path'];
  else if (nonEmpty(env.PGDATABASE) !== undefined) [database, databaseFrom] = [env.PGDATABASE!, 'PGDATABASE'];
  else [database, databaseFrom] = [user ?? '', 'user name'];

  // TLS and driver settings
  const sslText = take('sslmode') ?? take('ssl');
  take('ssl');
  const rootCert = take('sslrootcert');
  if (rootCert !== undefined && rootCert !== 'system')
    throw new UrlProblem(
      'gives ?sslrootcert= with a file, which dbctl does not read; use sslmode=verify-full with the system CAs or sslrootcert=system',
    );
  let ssl: SslMode | undefined;
  const sslSource = sslText ?? nonEmpty(env.PGSSLMODE);
  if (sslSource !== undefined) {
    ssl = SSL_MODES[sslSource.toLowerCase()];
    if (ssl === undefined)
      throw new UrlProblem(`gives an sslmode dbctl does not know; use disable, allow, prefer, require, verify-ca or verify-full`);
  }
  if (rootCert === 'system' && ssl !== 'disable') ssl = 'verify-full';
  const negotiation = take('sslnegotiation');
  if (negotiation !== undefined && negotiation !== 'direct' && negotiation !== 'postgres')
    throw new UrlProblem('gives an sslnegotiation other than direct or postgres');
  const tsa = take('target_session_attrs') ?? nonEmpty(env.PGTARGETSESSIONATTRS);
  if (tsa !== undefined && !['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'].includes(tsa)) {
    throw new UrlProblem('gives a target_session_attrs dbctl does not know');
  }
  const timeoutText = take('connect_timeout') ?? nonEmpty(env.PGCONNECT_TIMEOUT);
  if (timeoutText !== undefined && !/^\d+$/.test(timeoutText))
    throw new UrlProblem('gives a connect_timeout that is not a whole number of seconds');
  const prepareText = take('prepare');
  const pgbouncer = take('pgbouncer');
  const prepare = prepareText === 'false' || pgbouncer === 'true' ? false : prepareText === 'true' ? true : undefined;
  if (take('schema') !== undefined) {
    throw new UrlProblem("gives Prisma's ?schema=, which PostgreSQL does not know; use ?search_path= or ?options=-c%20search_path%3D…");
  }

  const startup: Record<string, string> = {};
  for (const [key, value] of query) {
    if (UNSUPPORTED.has(key.toLowerCase())) throw new UrlProblem(`gives ?${key}=, which dbctl's driver does not support`);
    if (IGNORED.has(key.toLowerCase())) continue;
    if (/^(user|database)$/i.test(key)) throw new UrlProblem(`gives ?${key}= in a different case`);
    startup[key] = value;
  }
  if (startup.options === undefined && nonEmpty(env.PGOPTIONS) !== undefined) startup.options = env.PGOPTIONS!;

  return {
    hosts: hosts.map((h) => (h.host.startsWith('/') ? h.host.replace(/(.)\/+$/, '$1') : canonicalHost(h.host))),
    ports,
    socket,
    database,
    user: user ?? '',
    password,
    ssl: ssl === 'disable' ? undefined : ssl,
    sslNegotiation: negotiation as ConnectionTarget['sslNegotiation'],
    startup,
    targetSessionAttrs: tsa === 'any' ? undefined : tsa,
    connectTimeoutS: timeoutText === undefined ? undefined : Number(timeoutText),
    prepare,
    databaseFrom,
  };
}

/** What the server says of the session, read once on connecting. */
export interface ServerFacts {
  /** `current_database()` */
  database: string;
  /** `session_user`: the role that logged in. */
  sessionUser: string;
  /** `current_user` (differs when the url's `options` set a role). */
  currentUser: string;
  /** `inet_server_addr()`: null over a unix socket. */
  address: string | null;
  /** `inet_server_port()`: null over a unix socket. */
  port: number | null;
}

/**
 * How the server reached differs from the resolved target, or undefined when it agrees: the
 * database must be the one resolved; the login role the user resolved (a Supavisor-style
 * `user.tenant` login reaching `user` agrees). The address is not compared, since poolers,
 * proxies and port mappings change it legitimately; the guards judge it against `protect.hosts`.
 */
export function serverMismatch(target: ConnectionTarget, server: ServerFacts): string | undefined {
  if (server.database !== target.database) return `current_database() is "${server.database}", not "${target.database}"`;
  if (server.sessionUser !== target.user && !target.user.startsWith(`${server.sessionUser}.`)) {
    return `session_user is "${server.sessionUser}", not "${target.user}"`;
  }
  return undefined;
}

/** A short, safe label for a url (`user@host:port/database`) read with no environment; never the password. */
export function describeUrl(url: string): string {
  const target = tryResolveConnection(url, {}, '(default user)');
  return target ? describeTarget(target) : '(unparseable url)';
}

/** Like `resolveConnection`, but undefined instead of throwing. */
export function tryResolveConnection(url: string, env: UrlEnv = {}, fallbackUser?: string): ConnectionTarget | undefined {
  try {
    return resolveConnection(url, env, fallbackUser);
  } catch (error) {
    if (error instanceof UrlProblem) return undefined;
    throw error;
  }
}

/** A short, safe label of a resolved target: `user@host:port/database`, never the password. */
export function describeTarget(target: ConnectionTarget): string {
  const where = target.socket
    ? `${target.hosts[0]}/.s.PGSQL.${target.ports[0]}`
    : target.hosts.map((host, i) => `${host.includes(':') ? `[${host}]` : host}:${target.ports[i]}`).join(',');
  return `${target.user}@${where}/${target.database}`;
}

// ---------------------------------------------------------------------------------------------
// Canonical hosts

/**
 * The canonical form of a host for matching: IPv4 in any notation `inet_aton` accepts (`127.1`,
 * `2130706433`, `0x7f000001`, `0177.0.0.1`) becomes dotted decimal; IPv6 becomes its RFC 5952
 * form, and an IPv4-mapped IPv6 (`::ffff:127.0.0.1`) its IPv4; names are lower-cased with a
 * trailing dot removed. A unix-socket path is returned as is.
 */
export function canonicalHost(host: string): string {
  if (host.startsWith('/')) return host;
  let h = host.trim();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  h = h.toLowerCase();
  if (h.length > 1 && h.endsWith('.') && !h.endsWith('..')) h = h.slice(0, -1);
  return ipv4(h) ?? ipv6(h) ?? h;
}

/** `inet_aton`'s reading of an IPv4 literal (1 to 4 parts; decimal, octal `0…` or hex `0x…`), or undefined. */
export function ipv4(text: string): string | undefined {
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4) return undefined;
  const values: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0x[0-9a-f]*$/i.test(part)) value = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]*$/.test(part)) value = parseInt(part, 8);
    else if (/^[1-9][0-9]*$/.test(part)) value = parseInt(part, 10);
    else return undefined;
    if (!Number.isSafeInteger(value)) return undefined;
    values.push(value);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255)) return undefined;
  if (last >= 256 ** (4 - values.length)) return undefined;
  let n = last;
  for (let i = 0; i < values.length; i++) n += values[i]! * 256 ** (3 - i);
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** RFC 5952 form of an IPv6 literal (IPv4-mapped ones as their IPv4), or undefined. */
export function ipv6(text: string): string | undefined {
  if (!text.includes(':')) return undefined;
  let h = text.replace(/%.*$/, ''); // a zone id does not change the address
  const lastColon = h.lastIndexOf(':');
  const maybeV4 = h.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    // an embedded IPv4 tail (`::ffff:127.0.0.1`) becomes its two groups
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(maybeV4)) return undefined;
    const o = maybeV4.split('.').map(Number);
    if (o.some((octet) => octet > 255)) return undefined;
    h = `${h.slice(0, lastColon + 1)}${(o[0]! * 256 + o[1]!).toString(16)}:${(o[2]! * 256 + o[3]!).toString(16)}`;
  }
  const halves = h.split('::');
  if (halves.length > 2) return undefined;
  const group = (s: string) => (s === '' ? [] : s.split(':'));
  const head = group(halves[0]!);
  const rest = halves.length === 2 ? group(halves[1]!) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  const known = head.length + rest.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const groups = [...head.map((g) => parseInt(g, 16)), ...new Array(8 - known).fill(0), ...rest.map((g) => parseInt(g, 16))];
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
  }
  // RFC 5952: the longest run (2+) of zero groups becomes '::'
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at === -1) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

// ---------------------------------------------------------------------------------------------
// Redaction

/** Returns the url with its password (and any `password=` query parameter) replaced by `***`. */
export function redactUrl(url: string): string {
  return redactText(url, secretsOf(url));
}

/**
 * The secrets a url carries (its password, from the userinfo or `?password=`), decoded, plus the
 * text as written when it cannot be decoded. Tolerant of malformed urls: whatever stands between
 * the user's `:` and the last `@` counts.
 */
export function secretsOf(url: string | undefined): string[] {
  if (!url) return [];
  const secrets = new Set<string>();
  const add = (raw: string) => {
    if (raw === '') return;
    secrets.add(raw);
    try {
      secrets.add(decodeURIComponent(raw));
    } catch {
      // stays as written
    }
    try {
      secrets.add(decodeURIComponent(raw.replace(/\+/g, ' ')));
    } catch {
      // stays as written
    }
  };
  const scheme = SCHEME.exec(url.trim());
  if (scheme) {
    const rest = url.trim().slice(scheme[0].length);
    const at = rest.lastIndexOf('@');
    if (at !== -1) {
      const userinfo = rest.slice(0, at);
      const colon = userinfo.indexOf(':');
      if (colon !== -1) add(userinfo.slice(colon + 1));
    }
  }
  for (const match of url.matchAll(/[?&](?:password|sslpassword)=([^&]*)/gi)) add(match[1]!);
  return [...secrets];
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Every way one character of a secret may appear: as is, percent-encoded (either case), JSON-escaped once or twice. */
function charForms(ch: string): string {
  const forms = new Set<string>([escapeRegex(ch)]);
  const bytes = [...new TextEncoder().encode(ch)];
  forms.add(
    bytes
      .map(
        (b) =>
          `%${b
            .toString(16)
            .padStart(2, '0')
            .replace(/[a-f]/g, (c) => `[${c}${c.toUpperCase()}]`)}`,
      )
      .join(''),
  );
  if (ch === ' ') forms.add('\\+');
  const json1 = JSON.stringify(ch).slice(1, -1);
  if (json1 !== ch) {
    forms.add(escapeRegex(json1));
    forms.add(escapeRegex(JSON.stringify(json1).slice(1, -1)));
  }
  const code = ch.codePointAt(0)!;
  if (code > 0x7e && code <= 0xffff)
    forms.add(
      `\\\\{1,3}u${code
        .toString(16)
        .padStart(4, '0')
        .replace(/[a-f]/g, (c) => `[${c}${c.toUpperCase()}]`)}`,
    );
  return forms.size === 1 ? [...forms][0]! : `(?:${[...forms].join('|')})`;
}

const patternCache = new Map<string, RegExp>();

/** A pattern matching `secret` raw, percent-encoded (wholly or partly), or JSON-escaped. */
export function secretPattern(secret: string): RegExp {
  let pattern = patternCache.get(secret);
  if (!pattern) {
    pattern = new RegExp([...secret].map(charForms).join(''), 'g');
    patternCache.set(secret, pattern);
  }
  return pattern;
}

/**
 * Removes secrets from any text about to be shown or written: every known secret in each form it
 * may take (raw, percent-encoded wholly or partly, JSON-escaped), and the password part of
 * anything that looks like a connection url or a `password=` setting.
 */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...new Set(secrets)].sort((a, b) => b.length - a.length)) {
    // Very short secrets would blank out ordinary words; the url forms below still catch them.
    if ([...secret].length >= 4) out = out.replace(secretPattern(secret), '***');
  }
  // up to the last '@' before a quote or line end: a password may hold spaces or an unencoded '@'
  out = out.replace(/(postgres(?:ql)?:\/\/[^:/?#@\s]*:)([^'"`\n]*)@/gi, '$1***@');
  return out.replace(/(password=)([^&\s'"]+)/gi, '$1***');
}
