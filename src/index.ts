/**
 * dbctl's programmatic API: the config helpers, and the same operations the commands run.
 */
export { defineConfig, env } from './config/define.js';
export type { UserConfig, UserEnvironment, RuleSetting } from './config/types.js';
export { DbctlError, ERROR_CODES, ExitCode, isDbctlError, type DbctlErrorCode } from './errors.js';
export { migrate, status, review, check, generate, fix, push, backup, backups, restore, revert, drop, resolve, init } from './api.js';
export type * from './ops/options.js';
export type * from './render/documents.js';
