/**
 * Which drizzle-kit is installed, and which line of it: 0.31.x (journal folder, `drizzle-kit/api`)
 * or 1.x from 1.0.0-rc.5 on (a folder per migration, `drizzle-kit/api-postgres`). Read from the
 * installed package's own package.json, never guessed from its exports. Pure.
 */

/** The two drizzle-kit lines dbctl supports. */
export type KitLine = '0.31' | '1.0';

/** What dbctl says when a drizzle-kit outside both lines is installed. */
export const SUPPORTED_KITS = 'drizzle-kit 0.31.x or 1.x from 1.0.0-rc.5 on';

/** The line `version` belongs to, or null when dbctl does not support it. */
export function kitLine(version: string): KitLine | null {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$/.exec(version.trim());
  if (!match) return null;
  const [, major, minor, , pre] = match;
  if (major === '0' && minor === '31') return pre === undefined ? '0.31' : null;
  if (major !== '1') return null;
  if (pre === undefined || minor !== '0' || match[3] !== '0') return '1.0';
  // 1.0.0 prereleases: release candidates from rc.5 on (earlier ones and betas wrote other formats)
  const rc = /^rc\.(\d+)$/.exec(pre);
  return rc && Number(rc[1]) >= 5 ? '1.0' : null;
}

/**
 * What differs between the 0.31.x releases in the internals dbctl reads (0.31.0–0.31.7 vs 0.31.8+):
 * before 0.31.8 `prepareFromExports` returned no `relations` list.
 */
export interface KitShape {
  /** `prepareFromExports` lists `relations` (0.31.8+). */
  preparesRelations: boolean;
}

/** The shape of a 0.31.x drizzle-kit's internals. */
export function shapeOf(version: string): KitShape {
  const patch = Number(/^0\.31\.(\d+)/.exec(version)?.[1] ?? Number.NaN);
  return { preparesRelations: !(patch < 8) };
}
