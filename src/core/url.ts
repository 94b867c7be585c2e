/**
 * Database url helpers: parse the parts dbctl reasons about, and redact passwords.
 * Pure: no process, fs or network.
 */

/** The parts of a PostgreSQL url that guards and messages need. */
export interface DatabaseUrlParts {
  host: string;
  port: string;
  database: string;
  user: string;
  hasPassword: boolean;
}

/** Parses a postgres:// or postgresql:// url; returns null when it is not one. */
export function parseDatabaseUrl(url: string): DatabaseUrlParts | null {
  // `postgres://user@/db?host=/socket/dir` has an empty host, which URL rejects: parse it with a stand-in
  const emptyHost = /^postgres(ql)?:\/\/([^/@]*@)?\//i.test(url);
  let parsed: URL;
  try {
    parsed = new URL(emptyHost ? url.replace(/^(postgres(?:ql)?:\/\/(?:[^/@]*@)?)\//i, '$1empty-host.invalid/') : url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') return null;
  // A unix-socket host can be given as ?host=/var/run/postgresql
  const host = parsed.searchParams.get('host') || (emptyHost ? '' : decodeURIComponent(parsed.hostname)) || 'localhost';
  return {
    host: host.replace(/^\[|\]$/g, ''),
    port: parsed.port || '5432',
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || 'postgres',
    user: decodeURIComponent(parsed.username),
    hasPassword: parsed.password !== '',
  };
}

/** Returns the url with its password (and any `password=` query parameter) replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/^(password|sslpassword)$/i.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    return redactText(url, []);
  }
}

/** A short, safe label for a url: `user@host:port/database`, never the password. */
export function describeUrl(url: string): string {
  const parts = parseDatabaseUrl(url);
  if (!parts) return '(unparseable url)';
  return `${parts.user ? `${parts.user}@` : ''}${parts.host}:${parts.port}/${parts.database}`;
}

/** Collects the secrets (password, raw and percent-decoded) a url carries, for `redactText`. */
export function secretsOf(url: string | undefined): string[] {
  if (!url) return [];
  const secrets = new Set<string>();
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      secrets.add(parsed.password);
      secrets.add(decodeURIComponent(parsed.password));
    }
    for (const [key, value] of parsed.searchParams) {
      if (/^(password|sslpassword)$/i.test(key) && value) secrets.add(value);
    }
  } catch {
    // not a url: nothing we can recognise
  }
  return [...secrets].filter((secret) => secret.length > 0);
}

/**
 * Removes secrets from any text about to be shown or written: every known secret string, and
 * the password part of anything that looks like a connection url.
 */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text.replace(/(postgres(?:ql)?:\/\/[^:/?#@\s]*:)([^@\s]*)@/gi, '$1***@');
  out = out.replace(/(password=)([^&\s'"]+)/gi, '$1***');
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    // Very short secrets would blank out ordinary words; the url forms above still catch them.
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}
