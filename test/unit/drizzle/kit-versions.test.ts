/**
 * The drizzle-kit lines dbctl supports, read from a version string, and the per-version shape of
 * 0.31's internals.
 */
import { describe, expect, it } from 'vitest';
import { kitLine, shapeOf } from '../../../src/drizzle/kit/index.js';

describe('kitLine', () => {
  it('knows every 0.31.x and 1.x from 1.0.0-rc.5 on', () => {
    for (const v of ['0.31.0', '0.31.4', '0.31.7', '0.31.8', '0.31.11', '0.31.99']) expect(kitLine(v)).toBe('0.31');
    for (const v of ['1.0.0-rc.5', '1.0.0-rc.6', '1.0.0-rc.12', '1.0.0', '1.0.3', '1.2.0', '1.2.0-beta.1']) expect(kitLine(v)).toBe('1.0');
  });
  it('refuses the rest', () => {
    for (const v of ['0.30.6', '0.32.0', '0.31.0-beta.1', '1.0.0-rc.4', '1.0.0-beta.1', '1.0.0-beta.20', '2.0.0', 'latest', ''])
      expect(kitLine(v)).toBeNull();
  });
});

describe('shapeOf', () => {
  it('says which 0.31.x list relations', () => {
    expect(shapeOf('0.31.0').preparesRelations).toBe(false);
    expect(shapeOf('0.31.7').preparesRelations).toBe(false);
    expect(shapeOf('0.31.8').preparesRelations).toBe(true);
    expect(shapeOf('0.31.11').preparesRelations).toBe(true);
  });
});
