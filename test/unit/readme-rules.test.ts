import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { withRuleTable } from '../../scripts/readme-rules.js';

describe('README rule table', () => {
  it('is generated from the rule registry (run `npm run docs` after changing a rule)', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toBe(withRuleTable(readme));
  });
});
