/**
 * The CommonJS entry (`require('dbctl')`), bundled by scripts/bundle.mjs into dist/index.cjs.
 * `defineConfig`, `env` and the error types are synchronous copies; every operation loads the
 * ES module API (dist/index.js) on its first call, so `require('dbctl')` stays cheap and a
 * command runs the very code `import('dbctl')` runs.
 */
import { DbctlError } from './errors.js';
export { defineConfig, env } from './config/define.js';
export { DbctlError, ERROR_CODES, ExitCode, isDbctlError } from './errors.js';

type Api = typeof import('./index.js');

// the errors an operation rejects with are the ES module's DbctlError: `instanceof` this copy
// answers for them too (by what isDbctlError checks: the name and an exit code)
const ownInstance = Function.prototype[Symbol.hasInstance];
Object.defineProperty(DbctlError, Symbol.hasInstance, {
  value: (value: unknown) =>
    ownInstance.call(DbctlError, value) || (value instanceof Error && value.name === 'DbctlError' && 'exitCode' in value),
});

let api: Promise<Api> | undefined;
/** The ES module API, loaded once. */
const load = (): Promise<Api> => (api ??= import('./index.js'));

/** See `migrate` in the ES module API. */
export const migrate: Api['migrate'] = async (options) => (await load()).migrate(options);
/** See `status` in the ES module API. */
export const status: Api['status'] = async (options) => (await load()).status(options);
/** See `review` in the ES module API. */
export const review: Api['review'] = async (options) => (await load()).review(options);
/** See `check` in the ES module API. */
export const check: Api['check'] = async (options) => (await load()).check(options);
/** See `generate` in the ES module API. */
export const generate: Api['generate'] = async (options) => (await load()).generate(options);
/** See `fix` in the ES module API. */
export const fix: Api['fix'] = async (options) => (await load()).fix(options);
/** See `push` in the ES module API. */
export const push: Api['push'] = async (options) => (await load()).push(options);
/** See `backup` in the ES module API. */
export const backup: Api['backup'] = async (options) => (await load()).backup(options);
/** See `backups` in the ES module API. */
export const backups: Api['backups'] = async (options) => (await load()).backups(options);
/** See `restore` in the ES module API. */
export const restore: Api['restore'] = async (options) => (await load()).restore(options);
/** See `revert` in the ES module API. */
export const revert: Api['revert'] = async (options) => (await load()).revert(options);
/** See `drop` in the ES module API. */
export const drop: Api['drop'] = async (options) => (await load()).drop(options);
/** See `resolve` in the ES module API. */
export const resolve: Api['resolve'] = async (options) => (await load()).resolve(options);
/** See `init` in the ES module API. */
export const init: Api['init'] = async (options) => (await load()).init(options);
