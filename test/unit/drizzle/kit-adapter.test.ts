/**
 * The adapter over drizzle-kit 0.31's bundle, on stand-in bundles: an internal that throws a
 * TypeError reaches the user as one line naming the drizzle-kit version, dbctl's own errors pass
 * through, and a bundle missing an internal (or with one of the wrong shape) is refused, exit 2.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKit } from '../../../src/drizzle/kit/index.js';
import { DbctlError } from '../../../src/errors.js';

const root = mkdtempSync(path.join(tmpdir(), 'dbctl-kit-adapter-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A project with a stand-in drizzle-kit `version` whose api.js is `body`. */
function standIn(version: string, body: string): string {
  const dir = path.join(root, version);
  const kit = path.join(dir, 'node_modules', 'drizzle-kit');
  mkdirSync(kit, { recursive: true });
  writeFileSync(path.join(kit, 'package.json'), JSON.stringify({ name: 'drizzle-kit', version, main: 'index.js' }));
  writeFileSync(path.join(kit, 'index.js'), 'module.exports = {};');
  writeFileSync(path.join(kit, 'api.js'), body);
  return dir;
}

const COMPLETE = `
var applyPgSnapshotsDiff = async () => { throw new TypeError("prepared[key] is not iterable"); };
var squashPgScheme = (s) => s;
var zod = { parse: (v) => v, safeParse: (v) => ({ success: true, data: v }) };
var pgSchema = function pgSchema(name) { return name; }; // drizzle-orm's, as 0.31.6 bundles it
var pgSchema2 = zod;
var backwardCompatiblePgSchema = zod;
var dryPg = { version: "7", tables: {} };
var generatePgSnapshot = () => { throw new TypeError("Cannot read properties of undefined (reading 'columns')"); };
var prepareFromExports = () => ({ tables: [], enums: [], schemas: [], sequences: [], views: [], matViews: [], roles: [], policies: [] });
var originUUID = "00000000-0000-0000-0000-000000000000";
var snapshotVersion = "7";
var fromDatabase = async () => { throw new DbctlLike(); };
function DbctlLike() { const e = new Error("passes through"); e.name = "Custom"; return e; }
var pgSuggestions = async () => ({});
var fromJson = () => [];
var Minimatch = function Minimatch() {};
`;

describe('the drizzle-kit 0.31 adapter', () => {
  it('picks the variant of the expected shape, and defaults relations before 0.31.8', async () => {
    const kit = await loadKit(standIn('0.31.6', COMPLETE));
    expect(kit.version).toBe('0.31.6');
    expect(typeof kit.pgSchema.parse).toBe('function');
    expect(kit.prepareFromExports({}).relations).toEqual([]);
  });

  it('turns a TypeError inside drizzle-kit into one line naming the version', async () => {
    const kit = await loadKit(standIn('0.31.5', COMPLETE));
    const sync = (() => {
      try {
        kit.generatePgSnapshot([], [], [], [], [], [], [], [], undefined, undefined);
      } catch (error) {
        return error;
      }
    })();
    expect(sync).toBeInstanceOf(DbctlError);
    expect((sync as DbctlError).message).toMatch(/^drizzle-kit 0\.31\.5 failed inside generatePgSnapshot: Cannot read properties/);
    const resolver = async () => ({});
    const async = await kit
      .applyPgSnapshotsDiff({}, {}, resolver, resolver, resolver, resolver, resolver, resolver, resolver, resolver, resolver, {}, {})
      .catch((e: unknown) => e);
    expect(async).toBeInstanceOf(DbctlError);
    expect((async as DbctlError).message).toMatch(/failed inside applyPgSnapshotsDiff: prepared\[key\] is not iterable/);
    // anything else passes through as it is
    const other = await kit
      .fromDatabase({ query: async () => [] }, undefined, [], undefined, undefined, undefined)
      .catch((e: unknown) => e);
    expect(other).not.toBeInstanceOf(DbctlError);
    expect((other as Error).message).toBe('passes through');
  });

  it('refuses a bundle without an internal, exit 2', async () => {
    const dir = standIn('0.31.97', COMPLETE.replace(/var fromJson = [^;]*;/, ''));
    await expect(loadKit(dir)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/cannot read drizzle-kit 0\.31\.97: its api bundle has no fromJson/),
    });
  });

  it('refuses a drizzle-kit outside both lines, and names 1.0 where its internals are needed', async () => {
    await expect(loadKit(standIn('0.30.6', COMPLETE))).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/does not support drizzle-kit 0\.30\.6; it works with drizzle-kit 0\.31\.x or 1\.x/),
    });
    await expect(loadKit(standIn('1.0.0-rc.5', ''), 'dbctl push')).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/does not support dbctl push with drizzle-kit 1\.0\.0-rc\.5 yet/),
    });
  });
});
