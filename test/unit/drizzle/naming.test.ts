/** The time and tag a new migration gets when the clock has not moved past the newest one. */
import { describe, expect, it } from 'vitest';
import { migrationTag, migrationTime } from '../../../src/drizzle/generate/naming.js';

const at = (iso: string) => new Date(iso);
const ms = (iso: string) => at(iso).getTime();

describe('migrationTime', () => {
  it('is the clock on an empty journal and when the clock is ahead', () => {
    expect(migrationTime(at('2026-01-01T00:00:05.500Z'), undefined, 'unix').toISOString()).toBe('2026-01-01T00:00:05.500Z');
    expect(migrationTime(at('2026-01-01T00:00:05.500Z'), ms('2026-01-01T00:00:04.900Z'), 'unix').toISOString()).toBe(
      '2026-01-01T00:00:05.500Z',
    );
  });

  it('moves a time prefix into the next second when the last migration took this one', () => {
    for (const mode of ['unix', 'timestamp', 'supabase'] as const) {
      const time = migrationTime(at('2026-01-01T00:00:05.900Z'), ms('2026-01-01T00:00:05.100Z'), mode);
      expect(time.toISOString()).toBe('2026-01-01T00:00:06.000Z');
      const last = migrationTag(0, mode, 'a', at('2026-01-01T00:00:05.100Z')).prefix;
      expect(migrationTag(1, mode, 'b', time).prefix > last).toBe(true);
    }
  });

  it('keeps `when` growing for index prefixes, also behind a clock that runs late', () => {
    expect(migrationTime(at('2026-01-01T00:00:05.000Z'), ms('2026-01-01T00:00:05.000Z'), 'index').getTime()).toBe(
      ms('2026-01-01T00:00:05.001Z'),
    );
    expect(migrationTime(at('2026-01-01T00:00:01.000Z'), ms('2026-01-01T00:00:05.000Z'), 'none').getTime()).toBe(
      ms('2026-01-01T00:00:05.001Z'),
    );
  });
});
