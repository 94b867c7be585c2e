/**
 * The README rule table is generated from the registry.
 */
import { describe, expect, it } from 'vitest';
import { renderRuleTable } from '../../../src/review/docs.js';
import { RULES } from '../../../src/review/rules/index.js';

describe('renderRuleTable', () => {
  it('lists every rule with its severity, problem and fix', () => {
    const table = renderRuleTable();
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toBe('| Rule | Severity | What it catches | Safe alternative |');
    expect(lines).toHaveLength(RULES.length + 2);
    for (const rule of RULES) {
      const row = lines.find((l) => l.startsWith(`| \`${rule.id}\` |`));
      expect(row, rule.id).toBeDefined();
      expect(row).toContain(`| ${rule.defaultSeverity} |`);
    }
  });

  it('every rule has docs and a known default severity; ids are unique kebab-case', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(['error', 'warning']).toContain(rule.defaultSeverity);
      expect(rule.docs.problem.length).toBeGreaterThan(30);
      expect(rule.docs.fix.length).toBeGreaterThan(20);
    }
  });

  it('uses the contract default severities', () => {
    const severity = Object.fromEntries(RULES.map((r) => [r.id, r.defaultSeverity]));
    for (const id of [
      'ban-drop-column',
      'ban-drop-table',
      'adding-required-field',
      'adding-not-nullable-field',
      'changing-column-type',
      'require-concurrent-index-creation',
      'constraint-missing-not-valid',
      'adding-foreign-key-constraint',
      'disallowed-unique-constraint',
      'adding-field-with-default',
      'adding-serial-primary-key-field',
      'ban-drop-database',
    ]) {
      expect(severity[id], id).toBe('error');
    }
    for (const id of [
      'renaming-column',
      'renaming-table',
      'prefer-robust-stmts',
      'prefer-timestamptz',
      'prefer-bigint-over-int',
      'prefer-identity',
      'prefer-text-field',
      'ban-char-field',
    ]) {
      expect(severity[id], id).toBe('warning');
    }
  });
});
