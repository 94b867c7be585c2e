/**
 * `dbctl revert TAG` on drizzle-kit 1.0, for the newest migration: the states before and after TAG
 * rebuilt from the folder by 1.0's own `reconstruct`, the SQL from `after` back to `before` by its
 * DDL diff (renames TAG made undone as renames, every other question answered "new"), and the new
 * migration written as `drizzle-kit generate` 1.0 writes one: `<YYYYMMDDHHMMSS>_<name>/migration.sql`
 * and a `diff` snapshot (`prevIds`, `footprints`, `deltas`) chained to TAG's.
 *
 * An older migration (later ones built on it): its changes are undone inside the newest state (the
 * single leaf of the `prevIds` chain, rebuilt by `reconstruct`), a three-way patch over 1.0's flat
 * DDL entities: every entity TAG changed is put back to its state before TAG. It fails closed
 * (exit 2, nothing written) when that cannot be exact: TAG renamed something, a later migration
 * changed an entity TAG changed, or a later change refers to what TAG changed (an index on a column
 * TAG added, a foreign key to a table TAG created, a column of an enum TAG created).
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
import { folderMigration } from '../generate/write.js';
import type { RevertPlan } from '../revert/plan.js';
import { findMigration } from '../revert/plan.js';
import { renamesIn, type SeenRename } from '../revert/renames.js';
import { loadApiV1, loadInternalsV1, RESOLVED_KINDS } from './api-v1.js';
import { describeV1 } from './drift-v1.js';
import { sameJson } from '../revert/patch.js';
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
  // TAG is the newest: from its state back to the one before; older: from the newest state to the
  // newest with TAG's changes undone
  let from: unknown[] = after.ddl;
  let to: unknown[] = before.ddl;
  let prevId = afterRaw.id as string;
  if (later.length > 0) {
    const undone = await undoOlder(kit, files, migration.tag, afterRaw.id as string, later, before.ddl, after.ddl, renames, (id) =>
      inDrizzle('rebuild the newest state', () => api.reconstruct(files, id)),
    );
    from = undone.newest;
    to = undone.patched;
    prevId = undone.leafId;
  }
  const diff = await inDrizzle(`diff the states around ${migration.tag}`, () =>
    internals.runWithApiHints(hints, async (handler) =>
      internals.ddlDiff(
        internals.fromEntities(from),
        internals.fromEntities(to),
        ...RESOLVED_KINDS.map((kind) => internals.resolver(kind, handler)),
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
    prevIds: [prevId],
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
    later,
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
  // after every folder there (the newest, when TAG is an older one)
  const newest = Math.max(folderTime(plan.tag), ...readdirSync(settings.out).map(folderTime));
  const at = new Date(Math.max(now, newest + 1000));
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
  return folderMigration(settings.out, dir, sql, plan.statements, false);
}

/** An entity of drizzle-kit 1.0's DDL list, as dbctl reads it. */
type Entity = { entityType: string; schema?: string; table?: string; name?: string; [key: string]: unknown };

/** An entity's identity: its kind, schema, table and name (a privilege: grantor, grantee, type). */
function entityKey(e: Entity): string {
  const parts = [e.entityType, e.schema ?? '', e.table ?? '', e.name ?? ''];
  if (e.entityType === 'privileges') parts.push(String(e.grantor), String(e.grantee), String(e.type));
  return JSON.stringify(parts);
}

/** `column public.users.email`: an entity spelled for a message. */
function spelledEntity(e: Entity): string {
  const word = e.entityType.replace(/s$/, '').replace(/^fk$/, 'foreign key').replace(/^pk$/, 'primary key');
  return `${word} ${[e.schema, e.table, e.name].filter((x) => typeof x === 'string' && x !== '').join('.')}`;
}

const TOP_LEVEL = new Set(['tables', 'views', 'enums', 'sequences']);

/** Whether `later` (an entity a later migration changed) refers to `touched` (an entity TAG changed). Conservative. */
function refersTo(later: Entity, touched: Entity): boolean {
  const text = JSON.stringify(later);
  const name = touched.name ?? '';
  // the same name in the same schema (an index name is the schema's, whatever its table)
  if (later.entityType === touched.entityType && later.schema === touched.schema && later.name === touched.name) return true;
  if (touched.entityType === 'schemas') return later.schema === name || later.schemaTo === name || later.typeSchema === name;
  if (touched.entityType === 'roles') return text.includes(JSON.stringify(name).slice(1, -1));
  if (TOP_LEVEL.has(touched.entityType)) return text.includes(name);
  // a part of a table (column, index, constraint, policy): something on that table or pointing at it that names it or its columns
  const onTable =
    (later.schema === touched.schema && (later.table === touched.table || later.name === touched.table)) ||
    (later.schemaTo === touched.schema && later.tableTo === touched.table) ||
    (later.entityType === 'views' && text.includes(String(touched.table)));
  if (!onTable) return false;
  const names = [
    name,
    ...(Array.isArray(touched.columns) ? touched.columns : []).map((c) =>
      typeof c === 'string' ? c : String((c as { value?: unknown }).value),
    ),
  ];
  return names.some((n) => n !== '' && text.includes(n));
}

/**
 * TAG's changes undone inside the newest state (the single leaf TAG leads to): every entity TAG
 * changed is put back to what it was before TAG. Exit 2 when that cannot be exact (see the file's
 * comment); the hint says what to run instead.
 */
async function undoOlder(
  kit: InstalledKit,
  files: Record<string, unknown>,
  tag: string,
  tagId: string,
  later: string[],
  before: unknown[],
  after: unknown[],
  renames: readonly SeenRename[],
  rebuild: (id: string) => Promise<{ ddl: unknown[] }>,
): Promise<{ newest: unknown[]; patched: unknown[]; leafId: string }> {
  const newestTag = later[later.length - 1]!;
  const instead = `revert the later ones first (newest first: dbctl revert ${newestTag}), or write the inverse by hand: \`dbctl generate --custom --name revert_${tag}\``;
  const refuse = (why: string, details: string[] = []) =>
    new DbctlError(
      'USAGE',
      `with drizzle-kit ${kit.version}, dbctl cannot revert ${tag} on top of the ${later.length} later migration${later.length === 1 ? '' : 's'}: ${why}`,
      {
        details: details.map((line) => `  - ${line}`),
        hint: instead,
      },
    );
  if (renames.length > 0) throw refuse(`it renames ${renames.map((r) => `${r.from} to ${r.to}`).join(', ')}`);
  // the newest state: the one leaf of the prevIds chain, which TAG must lead to
  const parentsOf = new Map<string, string[]>();
  for (const snapshot of Object.values(files) as Json[]) {
    if (typeof snapshot?.id !== 'string') continue;
    parentsOf.set(
      snapshot.id,
      (Array.isArray(snapshot.prevIds) ? snapshot.prevIds : []).filter((id: unknown) => typeof id === 'string' && id !== ORIGIN),
    );
  }
  const referenced = new Set([...parentsOf.values()].flat());
  const leaves = [...parentsOf.keys()].filter((id) => !referenced.has(id));
  if (leaves.length !== 1) {
    throw new DbctlError(
      'USAGE',
      `the migrations folder has ${leaves.length} newest migrations (branches not merged); dbctl cannot tell which state to revert ${tag} in`,
      {
        hint: 'merge them first: `npx drizzle-kit generate` writes the merge migration; then run dbctl revert again',
      },
    );
  }
  const leafId = leaves[0]!;
  const seen = new Set<string>();
  const stack = [leafId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(parentsOf.get(id) ?? []));
  }
  if (!seen.has(tagId)) throw refuse(`the newest migration does not follow from it (its prevIds chain does not lead back to ${tag})`);
  const newest = (await rebuild(leafId)).ddl;
  const byKey = (list: unknown[]) => new Map((list as Entity[]).map((e) => [entityKey(e), e]));
  const [b, a, n] = [byKey(before), byKey(after), byKey(newest)];
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  const changed = keys.filter((k) => !sameJson(a.get(k), b.get(k)));
  const changedLater = [...new Set([...a.keys(), ...n.keys()])].filter((k) => !sameJson(a.get(k), n.get(k)));
  const again = changed.filter((k) => changedLater.includes(k));
  if (again.length > 0) {
    throw refuse(
      'later migrations changed again what it changed',
      again.map((k) => spelledEntity((a.get(k) ?? b.get(k))!)),
    );
  }
  const dependent: string[] = [];
  for (const k of changedLater) {
    const laterEntity = (n.get(k) ?? a.get(k))!;
    for (const t of changed) {
      const touched = (a.get(t) ?? b.get(t))!;
      if (refersTo(laterEntity, touched)) dependent.push(`${spelledEntity(laterEntity)} (on ${spelledEntity(touched)})`);
    }
  }
  if (dependent.length > 0) throw refuse('later migrations build on what it changed', [...new Set(dependent)]);
  const patched = new Map(n);
  for (const k of changed) {
    const was = b.get(k);
    if (was) patched.set(k, was);
    else patched.delete(k);
  }
  return { newest, patched: [...patched.values()], leafId };
}
