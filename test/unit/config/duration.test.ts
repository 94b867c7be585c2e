import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, tryParseDuration } from '../../../src/core/duration.js';
import { DbctlError } from '../../../src/errors.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['5s', 5_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['0', 0],
    ['0s', 0],
    [' 10s ', 10_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text, '--wait')).toBe(ms));

  it.each(['5 seconds', '5', '1.5s', '-5s', '5S', '', 'ms', '5d', '10sec', '1e3ms'])(
    'rejects %j with one USAGE line and an example',
    (text) => {
      let error: unknown;
      try {
        parseDuration(text, '--lock-timeout');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DbctlError);
      expect((error as DbctlError).code).toBe('USAGE');
      expect((error as DbctlError).message).toBe(`--lock-timeout ${JSON.stringify(text)} is not a duration; write 500ms, 5s or 2m`);
    },
  );

  it('tryParseDuration returns undefined instead of throwing', () => {
    expect(tryParseDuration('nope')).toBeUndefined();
    expect(tryParseDuration('99999999999999999999h')).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0'],
    [500, '500ms'],
    [5_000, '5s'],
    [1_500, '1.5s'],
    [120_000, '2m'],
    [150_000, '2m 30s'],
    [3_600_000, '1h'],
    [3_900_000, '1h 5m'],
    [3_599_999, '1h'],
  ])('%d ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
