/**
 * Migration tags as drizzle-kit 0.31 names them (`prepareMigrationMetadata`): `<prefix>_<suffix>`,
 * the suffix being `--name` or a random `<adjective>_<hero>`, the prefix per `migrations.prefix`:
 * `index` → `0003`, `timestamp`/`supabase` → UTC `YYYYMMDDHHmmss`, `unix` → seconds, `none` → ``
 * (so the tag starts with `_`, and the snapshot is `meta/_snapshot.json`, as drizzle-kit does).
 */
import { DbctlError } from '../../errors.js';
import type { PrefixMode } from './types.js';
import { ADJECTIVES, HEROES } from './words.js';

const MODES: readonly PrefixMode[] = ['index', 'timestamp', 'supabase', 'unix', 'none'];

/** Checks `migrations.prefix` (drizzle-kit's default: `index`). */
export function prefixMode(value: string | undefined): PrefixMode {
  const mode = value || 'index';
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new DbctlError('DRIZZLE_CONFIG_INVALID', `migrations.prefix '${mode}' in the drizzle config is not one of ${MODES.join(', ')}`);
  }
  return mode as PrefixMode;
}

/** Checks `--name`: it becomes part of a file name, so no path separators. */
export function checkName(name: string | undefined): string | undefined {
  if (name === undefined || name === '') return undefined;
  if (/[/\\\0]/.test(name) || name === '.' || name === '..') {
    throw new DbctlError('USAGE', `--name ${name} cannot be part of a file name`, { hint: 'use letters, digits, - and _' });
  }
  return name;
}

/**
 * The time a new migration is stamped with: `now`, moved just past the newest journal entry when
 * the clock has not passed it (two generates in one second, or a clock behind a teammate's). The
 * journal's `when` must grow, because drizzle-orm's migrator applies only entries newer than the
 * last one applied; and a time prefix has one-second steps, so it must land in a later second
 * than the last entry's, or its snapshot file would overwrite the previous one.
 */
export function migrationTime(now: Date, lastWhen: number | undefined, mode: PrefixMode): Date {
  if (lastWhen === undefined) return now;
  let time = Math.max(now.getTime(), lastWhen + 1);
  const timePrefixed = mode === 'timestamp' || mode === 'supabase' || mode === 'unix';
  if (timePrefixed && Math.floor(time / 1e3) <= Math.floor(lastWhen / 1e3)) time = (Math.floor(lastWhen / 1e3) + 1) * 1e3;
  return new Date(time);
}

const pick = (words: readonly string[]) => words[Math.floor(Math.random() * words.length)] ?? words[0];

/** The tag and snapshot prefix of migration number `idx`. */
export function migrationTag(idx: number, mode: PrefixMode, name: string | undefined, now: Date): { prefix: string; tag: string } {
  const prefix =
    mode === 'index'
      ? idx.toFixed(0).padStart(4, '0')
      : mode === 'timestamp' || mode === 'supabase'
        ? now.toISOString().replace('T', '').replaceAll('-', '').replaceAll(':', '').slice(0, 14)
        : mode === 'unix'
          ? String(Math.floor(now.getTime() / 1e3))
          : '';
  const suffix = name || `${pick(ADJECTIVES)}_${pick(HEROES)}`;
  return { prefix, tag: `${prefix}_${suffix}` };
}
