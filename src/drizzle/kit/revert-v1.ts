/**
 * `dbctl revert TAG` on drizzle-kit 1.0, for the newest migration: the states before and after TAG
 * rebuilt from the folder by 1.0's own `reconstruct`, the SQL from `after` back to `before` by its
 * DDL diff (renames TAG made undone as renames, every other question answered "new"), and the new
 * migration written as `drizzle-kit generate` 1.0 writes one: `<YYYYMMDDHHMMSS>_<name>/migration.sql`
 * and a `diff` snapshot (`prevIds`, `footprints`, `deltas`) chained to TAG's.
 *
 * An older migration (later ones built on it) is refused with exit 2: undoing it inside a newer
 * state needs the three-way patch dbctl only has for 0.31 snapshots.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { DrizzleSettings } from '../../config/types.js';
import { analyzeMigration } from '../../core/analyze.js';
import { describeDestroyed } from '../../core/destroyed.js';
import { DbctlError } from '../../errors.js';
import type { SqlParser } from '../../sql/parser.js';
import { readMigrationFolder } from '../folder.js';
import { BREAKPOINT } from '../generate/generate.js';
import type { WrittenMigration } from '../generate/types.js';
import type { RevertPlan } from '../revert/plan.js';
import { findMigration } from '../revert/plan.js';
import { renamesIn, type SeenRename } from '../revert/renames.js';
import { loadApiV1, loadInternalsV1 } from './api-v1.js';
import { describeV1 } from './drift-v1.js';
import type { InstalledKit } from './resolve.js';

const ORIGIN = '00000000-0000-0000-0000-000000000000';

type Json = Record<string, any>;

/** An entity as drizzle-kit 1.0's hints spell it (`users.name` → `['public', 'users', 'name']`). */
function tupleOf(kind: SeenRename['kind'], spelled: string): string[] {
  const parts = spelled.split('.');
  const length = kind === 'schema' ? 1 : kind === 'column' ? 3 : 2;
  return parts.length >= length ? parts.slice(-length) : [...Array(length - parts.length).fill('public'), ...parts];
}

/** Computes the revert of `tag` on drizzle-kit 1.0 (reads the folder; writes nothing). */
export async function planRevertV1(kit: InstalledKit, settings: DrizzleSettings, tag: string, parser: SqlParser): Promise<RevertPlan> {
  const api = loadApiV1(kit);
  const internals = loadInternalsV1(kit);
  const folder = await readMigrationFolder(settings.out, settings.baseDir);
  const migration = findMigration(folder.migrations, tag, settings.outRelative);
  const later = folder.migrations.filter((m) => m.tag > migration.tag).map((m) => m.tag);
  if (later.length > 0) {
    throw new DbctlError(
      'USAGE',
      `with drizzle-kit ${kit.version}, dbctl revert undoes only the newest migration; ${migration.tag} has ${later.length} later one${later.length === 1 ? '' : 's'} (${later.join(', ')})`,
      {
        hint: `revert the later ones first (newest first: dbctl revert ${later[later.length - 1]}), or write the inverse by hand: \`dbctl generate --custom --name revert_${migration.tag}\``,
      },
    );
  }
  const files: Record<string, unknown> = {};
  for (const entry of readdirSync(settings.out).sort()) {
    const file = path.join(settings.out, entry, 'snapshot.json');
    if (existsSync(file)) files[entry] = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  }
  const afterRaw = files[migration.tag] as Json | undefined;
  if (!afterRaw || typeof afterRaw.id !== 'string') {
    throw new DbctlError('MIGRATIONS_FOLDER_INVALID', `migration ${migration.tag} has no snapshot.json`, {
      hint: 'restore it from version control',
    });
  }
  const parents = (Array.isArray(afterRaw.prevIds) ? afterRaw.prevIds : []).filter((id: unknown) => id !== ORIGIN) as string[];
  if (parents.length > 1) {
    throw new DbctlError('USAGE', `${migration.tag} merges ${parents.length} branches; dbctl cannot tell which state to go back to`, {
      hint: `write the inverse by hand: \`dbctl generate --custom --name revert_${migration.tag}\``,
    });
  }
  const inDrizzle = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof DbctlError) throw error;
      throw new DbctlError(
        'MIGRATIONS_FOLDER_INVALID',
        `drizzle-kit ${kit.version} cannot ${what}: ${(error as Error).message.split('\n')[0]}`,
        {
          hint: 'run `npx drizzle-kit check` to see what is wrong with the folder',
          cause: error,
        },
      );
    }
  };
  const after = await inDrizzle(`rebuild the state after ${migration.tag}`, () => api.reconstruct(files, afterRaw.id as string));
  const before =
    parents.length === 0
      ? { ddl: [] as unknown[] }
      : await inDrizzle(`rebuild the state before ${migration.tag}`, () => api.reconstruct(files, parents[0]));
  const renames = renamesIn(migration.text, parser);
  const hints = renames.map((r) => ({ type: 'rename', kind: r.kind, from: tupleOf(r.kind, r.to), to: tupleOf(r.kind, r.from) }));
  const RESOLVED = [
    'schema',
    'enum',
    'sequence',
    'policy',
    'role',
    'table',
    'column',
    'view',
    'unique',
    'index',
    'check',
    'primary_key',
    'foreign key',
  ];
  const diff = await inDrizzle(`diff the states around ${migration.tag}`, () =>
    internals.runWithApiHints(hints, async (handler) =>
      internals.ddlDiff(
        internals.fromEntities(after.ddl),
        internals.fromEntities(before.ddl),
        ...RESOLVED.map((kind) => internals.resolver(kind, handler)),
        'default',
      ),
    ),
  );
  if (diff.sqlStatements.length === 0 && migration.statements.length > 0) {
    throw new DbctlError(
      'OPERATION_FAILED',
      `${migration.tag} changed no schema drizzle tracks (custom SQL?); dbctl cannot compute its inverse`,
      {
        hint: `write the inverse by hand: \`dbctl generate --custom --name revert_${migration.tag}\``,
      },
    );
  }
  const destroyed = analyzeMigration(parser, migration.statements)
    .flatMap((chunk) => chunk.destroys)
    .map(describeDestroyed);
  // generate's snapshot, but for its id (given when written)
  const snapshot: Json = {
    type: 'diff',
    version: '9',
    dialect: 'postgres',
    id: '',
    prevIds: [afterRaw.id],
    footprints: internals.footprintsOf(diff.groupedStatements),
    deltas: diff.deltas,
  };
  // what the schema in code still declares of TAG's changes (the revert's statements, read backwards)
  const codeChanges = describeV1(
    (diff.groupedStatements as { jsonStatement: { type: string } }[]).map((g) => g.jsonStatement),
    { actual: 'the migrations after the revert (take it out of the schema code)', expected: 'the schema code (add it back)' },
  );
  return {
    tag: migration.tag,
    later: [],
    statements: diff.sqlStatements,
    snapshot,
    renames,
    conflicts: [],
    overlaps: [],
    cascaded: [],
    codeChanges,
    destroyed: [...new Set(destroyed)],
  };
}

const two = (n: number) => String(n).padStart(2, '0');
const folderTime = (folder: string) => {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(folder);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : 0;
};

/** Writes the revert as drizzle-kit 1.0's generate writes a migration (its folder name rule, all or nothing). */
export async function writeRevertV1(
  settings: DrizzleSettings,
  plan: RevertPlan,
  name: string,
  now = Date.now(),
): Promise<WrittenMigration> {
  const at = new Date(Math.max(now, folderTime(plan.tag) + 1000));
  const tag = `${at.getUTCFullYear()}${two(at.getUTCMonth() + 1)}${two(at.getUTCDate())}${two(at.getUTCHours())}${two(at.getUTCMinutes())}${two(at.getUTCSeconds())}_${name}`;
  const dir = path.join(settings.out, tag);
  const snapshot = { ...plan.snapshot, id: randomUUID() };
  const sql = plan.statements.join(settings.breakpoints ? BREAKPOINT : '\n');
  mkdirSync(dir);
  try {
    writeFileSync(path.join(dir, 'snapshot.json'), JSON.stringify(JSON.parse(JSON.stringify(snapshot)), null, 2));
    writeFileSync(path.join(dir, 'migration.sql'), sql);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const tags = readdirSync(settings.out)
    .filter((entry) => existsSync(path.join(settings.out, entry, 'migration.sql')))
    .sort((a, b) => a.localeCompare(b));
  const earlier = tags
    .filter((t) => t !== tag)
    .map((t) => ({ tag: t, sql: readFileSync(path.join(settings.out, t, 'migration.sql'), 'utf8') }));
  return {
    tag,
    idx: tags.indexOf(tag),
    sqlPath: path.join(dir, 'migration.sql'),
    snapshotPath: path.join(dir, 'snapshot.json'),
    journalPath: '',
    sql,
    statements: [...plan.statements],
    custom: false,
    earlier,
  };
}
