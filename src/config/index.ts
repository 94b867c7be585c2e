/**
 * The config layer's public surface: load the project once, resolve the selected environment,
 * decide protection. Commands import from here, not from the files behind it.
 */
export { defineConfig, env, isEnvReference } from './define.js';
export { loadProject, type LoadOptions } from './load.js';
export { resolveEnvironment, environmentProtection, type ResolveOptions, type EnvironmentProtection, type EnvMap } from './resolve.js';
export { protectionOf, type Protection, type ProtectionInput } from './protection.js';
export type { ProjectConfig, ResolvedEnvironment, DrizzleSettings, EnvironmentConfig, UserConfig } from './types.js';
