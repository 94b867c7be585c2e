/**
 * dbctl's programmatic API: the config helpers, and the same operations the commands run.
 */
export { defineConfig, env } from './config/define.js';
export type { UserConfig, UserEnvironment, RuleSetting } from './config/types.js';
export { DbctlError, ERROR_CODES, ExitCode, type DbctlErrorCode } from './errors.js';
