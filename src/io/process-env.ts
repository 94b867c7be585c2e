/**
 * The process environment as commands read it, shared by the CLI (`cli.ts`) and the programmatic
 * API (`api.ts`) so both resolve config urls, `$DBCTL_ENV` and `.env` the same way.
 */
import { hostname } from 'node:os';

/**
 * The process environment as commands read it: a live view, so that a variable a config file sets
 * while it loads (`import 'dotenv/config'`) is there when `env('NAME')` resolves, plus the host name.
 */
export function liveEnvironment(): Readonly<Record<string, string | undefined>> {
  let host: string | undefined;
  return new Proxy(process.env, {
    get: (target, key) => (key === 'DBCTL_HOSTNAME' ? (host ??= hostname()) : Reflect.get(target, key)),
    has: (target, key) => key === 'DBCTL_HOSTNAME' || Reflect.has(target, key),
  });
}
