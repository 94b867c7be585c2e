/**
 * The rule table for the README, generated from the registry so docs never drift from the code.
 */
import { RULES } from './rules/index.js';
import type { Rule } from './types.js';

/** Escapes a markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * Renders the rule table as markdown: id, default severity, what it catches, the safe alternative.
 * Rules whose findings the engine produces (syntax errors, directives) are included.
 */
export function renderRuleTable(rules: readonly Rule[] = RULES): string {
  const lines = ['| Rule | Severity | What it catches | Safe alternative |', '| --- | --- | --- | --- |'];
  for (const rule of rules) {
    lines.push(`| \`${rule.id}\` | ${rule.defaultSeverity} | ${cell(rule.docs.problem)} | ${cell(rule.docs.fix)} |`);
  }
  return `${lines.join('\n')}\n`;
}
