/**
 * The review engine's public surface: review migrations, validate rule settings, list and
 * document the rules.
 */
export { reviewMigrations, validateRuleSettings, formatBytes, formatCount, SMALL_TABLE_ROWS, LARGE_TABLE_ROWS } from './engine.js';
export type { RuleSettingProblem } from './engine.js';
export { RULES, ruleById } from './rules/index.js';
export { renderRuleTable } from './docs.js';
export type * from './types.js';
