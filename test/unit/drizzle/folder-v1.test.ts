/**
 * drizzle-kit 1.0's folder per migration, read as drizzle-orm 1.0's migrator reads it, and the
 * format check against the installed drizzle-kit's line.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertFolderFormat, drizzleHash, folderFormatOnDisk, folderMillis, readMigrationFolder } from '../../../src/drizzle/folder.js';
import { isDbctlError } from '../../../src/errors.js';

const root = mkdtempSync(path.join(tmpdir(), 'dbctl-folder-v1-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
// the folders below see a drizzle-kit 1.0 installed (a stand-in: its package.json is what dbctl reads)
mkdirSync(path.join(root, 'node_modules', 'drizzle-kit'), { recursive: true });
writeFileSync(
  path.join(root, 'node_modules', 'drizzle-kit', 'package.json'),
  JSON.stringify({ name: 'drizzle-kit', version: '1.0.0-rc.5', main: 'index.js' }),
);
writeFileSync(path.join(root, 'node_modules', 'drizzle-kit', 'index.js'), 'module.exports = {};');
let n = 0;
function folder(files: Record<string, string>): string {
  const dir = path.join(root, `f${n++}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('the drizzle-kit 1.0 folder', () => {
  it('dates a migration by its folder name, as drizzle-orm 1.0 does', () => {
    expect(folderMillis('20261205234248_init')).toBe(Date.UTC(2026, 11, 5, 23, 42, 48));
  });

  it('knows the format on disk', () => {
    expect(folderFormatOnDisk(folder({ 'meta/_journal.json': '{}' }))).toBe('journal');
    expect(folderFormatOnDisk(folder({ '20261205234248_init/migration.sql': 'select 1;' }))).toBe('folders');
    expect(folderFormatOnDisk(folder({}))).toBe('empty');
    expect(folderFormatOnDisk(path.join(root, 'absent'))).toBe('empty');
  });

  it("refuses the other line's format, exit 2, naming drizzle-kit up", () => {
    const journal = folder({ 'meta/_journal.json': '{"entries":[]}' });
    const folders = folder({ '20261205234248_init/migration.sql': 'select 1;' });
    for (const [dir, line] of [
      [journal, '1.0'],
      [folders, '0.31'],
    ] as const) {
      try {
        assertFolderFormat(dir, line, 'drizzle');
        expect.unreachable();
      } catch (error) {
        expect(isDbctlError(error) && error.exitCode).toBe(2);
        expect(`${(error as Error).message} ${(error as { hint?: string }).hint}`).toMatch(/drizzle-kit up/);
      }
    }
    expect(assertFolderFormat(journal, '0.31', 'drizzle')).toBe('journal');
    expect(assertFolderFormat(folders, '1.0', 'drizzle')).toBe('folders');
    expect(assertFolderFormat(folders, null, 'drizzle')).toBe('folders');
    expect(assertFolderFormat(folder({}), '1.0', 'drizzle')).toBe('folders');
  });

  it("reads migrations sorted by name, tag = folder name, with drizzle's hash and split", async () => {
    const second = 'ALTER TABLE "t" ADD COLUMN "b" text;--> statement-breakpoint\nCREATE INDEX "i" ON "t" ("b");';
    const dir = folder({
      '20261206000001_second/migration.sql': second,
      '20261206000001_second/snapshot.json': '{}',
      '20261205000000_first/migration.sql': 'CREATE TABLE "t" ("a" integer);',
      'notes/readme.md': 'not a migration',
    });
    const read = await readMigrationFolder(dir, dir);
    expect(read.format).toBe('folders');
    expect(read.journalPath).toBe(dir);
    expect(read.migrations.map((m) => [m.tag, m.idx, m.when])).toEqual([
      ['20261205000000_first', 0, Date.UTC(2026, 11, 5, 0, 0, 0)],
      ['20261206000001_second', 1, Date.UTC(2026, 11, 6, 0, 0, 1)],
    ]);
    expect(read.migrations[1]!.hash).toBe(drizzleHash(second));
    expect(read.migrations[1]!.statements).toHaveLength(2);
    expect(read.migrations[1]!.relativeFile).toBe(path.join('20261206000001_second', 'migration.sql'));
  });

  it('refuses a journal folder under drizzle-kit 1.0', async () => {
    const dir = folder({ 'meta/_journal.json': '{"entries":[]}' });
    await expect(readMigrationFolder(dir, dir)).rejects.toMatchObject({
      code: 'MIGRATIONS_FOLDER_INVALID',
      hint: expect.stringMatching(/npx drizzle-kit up/),
    });
  });

  it('refuses a migration folder whose name has no timestamp', async () => {
    const dir = folder({ 'init/migration.sql': 'select 1;', '20261205000000_first/migration.sql': 'select 1;' });
    await expect(readMigrationFolder(dir, dir)).rejects.toMatchObject({
      code: 'MIGRATIONS_FOLDER_INVALID',
      details: [expect.stringMatching(/init\/ does not start with a YYYYMMDDHHMMSS/)],
    });
  });
});
