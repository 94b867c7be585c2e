/**
 * `defineConfig` and `env()`: the typed helpers users import in dbctl.config.ts.
 */
import type { EnvReference, UserConfig } from './types.js';

/** Returns the config unchanged; exists for editor types and autocompletion. */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}

/** A url read from environment variable `name`, only when its environment is selected. */
export function env(name: string): EnvReference {
  return Object.freeze({ __dbctlEnv: name });
}

/** True when `value` was made by `env()`. */
export function isEnvReference(value: unknown): value is EnvReference {
  return typeof value === 'object' && value !== null && typeof (value as EnvReference).__dbctlEnv === 'string';
}
