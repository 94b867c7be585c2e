/**
 * At a terminal, `dbctl generate` on drizzle-kit 1.0 asks each rename question with dbctl's picker
 * (the same as on 0.31, src/io/prompt.ts's `askRename`), in the order drizzle-kit 1.0 would ask
 * them: its own DDL diff from the folder's state (`reconstruct`) to the schema in code
 * (`generateDrizzleJson`) is run with resolvers that ask (a table renamed first changes the column
 * questions that follow, as in drizzle-kit). The answers become `--rename`/`--create` flags, which
 * drizzle-kit 1.0's generate then takes as hints, so the files are still drizzle-kit's own; the
 * flags are handed back to be printed, so the run can be repeated in CI.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RenameAnswers, RenameSession } from '../generate/renames.js';
import { importAll } from '../generate/load-schema.js';
import { schemaFiles } from '../generate/schema-files.js';
import type { EntityKind, RenameQuestioner } from '../generate/types.js';
import { loadApiV1, loadInternalsV1, mergedExports, RESOLVED_KINDS } from './api-v1.js';
import { spellEntity } from './cli-v1.js';
import type { InstalledKit } from './resolve.js';

/** drizzle-kit 1.0's id of an entity of `kind` (its `entityId`), spelled as dbctl's flags spell it. */
function spelled(kind: string, entity: { schema?: string; table?: string; name: string }): string {
  if (kind === 'schema' || kind === 'role') return entity.name;
  if (['table', 'enum', 'sequence', 'view'].includes(kind)) return spellEntity([entity.schema ?? 'public', entity.name]);
  return spellEntity([entity.schema ?? 'public', entity.table ?? '', entity.name]);
}

/**
 * Asks every rename question no flag answers; returns the flags that answer them all (to pass to
 * drizzle-kit 1.0's generate and print), empty when nothing was asked. When the folder or the
 * schema cannot be read here, asks nothing: drizzle-kit's generate then reports it as it does.
 */
export async function askRenamesV1(
  kit: InstalledKit,
  options: { out: string; schema: string | string[] | undefined; baseDir: string; renames: readonly string[]; creates: readonly string[] },
  ask: RenameQuestioner,
): Promise<{ renames: string[]; creates: string[]; askedFlags: string[] }> {
  const none = { renames: [], creates: [], askedFlags: [] };
  const api = loadApiV1(kit);
  const internals = loadInternalsV1(kit);
  const files: Record<string, unknown> = {};
  if (existsSync(options.out)) {
    for (const entry of readdirSync(options.out).sort()) {
      const file = path.join(options.out, entry, 'snapshot.json');
      if (existsSync(file)) files[entry] = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    }
  }
  let prev: { ddl: unknown[] };
  let cur: { ddl: unknown[] };
  try {
    prev = Object.keys(files).length === 0 ? { ddl: [] } : await api.reconstruct(files);
    cur = await api.generateDrizzleJson(
      mergedExports(await importAll(schemaFiles(options.schema, options.baseDir), kit.packageDir, 'tsx')),
    );
  } catch {
    return none; // several leaves, a broken folder or schema: drizzle-kit's generate says what
  }
  const session = new RenameSession(new RenameAnswers(options.renames, options.creates), ask);
  const resolvers = RESOLVED_KINDS.map((kind) => async (it: { created: { name: string }[]; deleted: { name: string }[] }) => {
    const decided = await session.decide(kind as EntityKind, it.created, it.deleted, (item) => spelled(kind, item));
    return { created: decided.created, deleted: decided.deleted, renamedOrMoved: decided.renamed };
  });
  await internals.runWithApiHints([], async () =>
    internals.ddlDiff(internals.fromEntities(prev.ddl), internals.fromEntities(cur.ddl), ...resolvers, 'default'),
  );
  const renames: string[] = [];
  const creates: string[] = [];
  for (const flag of session.askedFlags) {
    const value = flag
      .replace(/^--(rename|create) /, '')
      .replace(/^'([\s\S]*)'$/, '$1')
      .replace(/'\\''/g, "'");
    (flag.startsWith('--rename') ? renames : creates).push(value);
  }
  return { renames, creates, askedFlags: session.askedFlags };
}
