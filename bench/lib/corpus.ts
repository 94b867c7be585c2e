/**
 * The migrations the benchmark applies, generated once with drizzle-kit's own API
 * (`generateDrizzleJson` + `generateMigration`, the diff `drizzle-kit generate` runs) from a schema
 * that grows step by step — tables, columns, indexes, foreign keys — and written in drizzle-kit's
 * folder format (SQL files, snapshots, journal). Cached under bench/.work/ so reruns are fast.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import { benchRoot, repoRoot } from './paths.js';
import { expectOk, timedNode } from './proc.js';

/** Bump when the generator changes so cached corpora are rebuilt. */
const GENERATOR_VERSION = 1;
const BREAKPOINT = '--> statement-breakpoint\n';
/** drizzle-kit's id of the empty snapshot the first migration diffs against. */
const DRY_PG_ID = '00000000-0000-0000-0000-000000000000';

interface ColumnSpec {
  name: string;
  /** drizzle-orm builder expression, e.g. `integer('score').default(0).notNull()`. */
  builder: string;
}
interface TableSpec {
  name: string;
  columns: ColumnSpec[];
  indexes: { name: string; column: string }[];
}
/** One migration to generate: its name and the whole schema after it. */
interface SchemaStep {
  name: string;
  tables: TableSpec[];
}

/** A generated migrations folder with the schema file that matches its newest snapshot. */
export interface Corpus {
  /** Directory holding `drizzle/`, `schema.ts` and `drizzle.config.ts`. */
  dir: string;
  tags: string[];
}

/** drizzle-kit's installed version (part of the cache key). */
export function drizzleKitVersion(): string {
  const file = path.join(repoRoot, 'node_modules', 'drizzle-kit', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * The growing schema: every `tableEvery` steps a new table; the steps between cycle through a
 * nullable column, an index, a `NOT NULL DEFAULT` column and a foreign key column with its index.
 * 200 steps make 40 tables with the default of 5 (issue 2's corpus), 50 with 4 (issues 3 and 5).
 */
export function growthSteps(count: number, tableEvery = 5): SchemaStep[] {
  const tables: TableSpec[] = [];
  const steps: SchemaStep[] = [];
  // With tableEvery 5 the kind of step i is i % 5, as it always was (cached corpora stay valid).
  let other = 0;
  for (let i = 0; i < count; i++) {
    const newest = tables[tables.length - 1];
    let name: string;
    const kind = i % tableEvery === 0 || !newest ? 0 : (other++ % 4) + 1;
    if (kind === 0 || !newest) {
      const t: TableSpec = {
        name: `t${tables.length}`,
        columns: [
          { name: 'id', builder: `serial('id').primaryKey()` },
          { name: 'name', builder: `varchar('name', { length: 120 }).notNull()` },
          { name: 'created_at', builder: `timestamp('created_at', { withTimezone: true }).defaultNow().notNull()` },
        ],
        indexes: [],
      };
      if (newest) {
        t.columns.push({
          name: `${newest.name}_id`,
          builder: `integer('${newest.name}_id').references(() => ${newest.name}.id, { onDelete: 'cascade' })`,
        });
        t.indexes.push({ name: `${t.name}_${newest.name}_id_idx`, column: `${newest.name}_id` });
      }
      tables.push(t);
      name = `create_${t.name}`;
    } else if (kind === 1) {
      const t = tables[(i * 7) % tables.length]!;
      t.columns.push({ name: `note_${i}`, builder: `text('note_${i}')` });
      name = `add_${t.name}_note_${i}`;
    } else if (kind === 2) {
      newest.indexes.push({ name: `${newest.name}_name_idx`, column: 'name' });
      name = `index_${newest.name}_name`;
    } else if (kind === 3) {
      const t = tables[(i * 3) % tables.length]!;
      t.columns.push({ name: `score_${i}`, builder: `integer('score_${i}').default(0).notNull()` });
      name = `add_${t.name}_score_${i}`;
    } else if (tables.length === 1) {
      newest.columns.push({ name: `active_${i}`, builder: `boolean('active_${i}').default(true).notNull()` });
      name = `add_${newest.name}_active_${i}`;
    } else {
      const target = tables[(i * 5) % (tables.length - 1)]!;
      newest.columns.push({ name: `ref_${i}`, builder: `integer('ref_${i}').references(() => ${target.name}.id)` });
      newest.indexes.push({ name: `${newest.name}_ref_${i}_idx`, column: `ref_${i}` });
      name = `link_${newest.name}_${target.name}`;
    }
    steps.push({ name, tables: structuredClone(tables) });
  }
  return steps;
}

/** Two steps for the under-load measure: create `load_t`, then add a nullable column to it. */
export function loadSteps(): SchemaStep[] {
  const base: TableSpec = {
    name: 'load_t',
    columns: [
      { name: 'id', builder: `serial('id').primaryKey()` },
      { name: 'v', builder: `integer('v').notNull()` },
    ],
    indexes: [],
  };
  const altered = structuredClone(base);
  altered.columns.push({ name: 'extra', builder: `integer('extra')` });
  return [
    { name: 'create_load_t', tables: [base] },
    { name: 'add_load_t_extra', tables: [altered] },
  ];
}

/** TypeScript source of a drizzle schema file declaring `tables`. */
export function renderSchema(tables: TableSpec[]): string {
  const lines = [`import { boolean, index, integer, pgTable, serial, text, timestamp, varchar } from 'drizzle-orm/pg-core';`, ''];
  for (const t of tables) {
    lines.push(`export const ${t.name} = pgTable('${t.name}', {`);
    for (const c of t.columns) lines.push(`  ${c.name}: ${c.builder},`);
    const extra = t.indexes.map((ix) => `index('${ix.name}').on(t.${ix.column})`);
    lines.push(extra.length ? `}, (t) => [${extra.join(', ')}]);` : `});`);
    lines.push('');
  }
  return lines.join('\n');
}

/** The drizzle config every bench project uses. */
export const DRIZZLE_CONFIG = `import { defineConfig } from 'drizzle-kit';
export default defineConfig({
  dialect: 'postgresql',
  schema: './schema.ts',
  out: './drizzle',
  dbCredentials: { url: process.env.DATABASE_URL! },
});
`;

/**
 * Returns the corpus `key` generated from `steps`, generating it into bench/.work/ when it is not
 * cached yet (or was generated by another generator or drizzle-kit version).
 */
export async function ensureCorpus(key: string, steps: SchemaStep[]): Promise<Corpus> {
  const dir = path.join(benchRoot, '.work', `${key}-g${GENERATOR_VERSION}-dk${drizzleKitVersion()}`);
  const marker = path.join(dir, 'complete.json');
  if (existsSync(marker)) return JSON.parse(await readFile(marker, 'utf8')) as Corpus;
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'drizzle', 'meta'), { recursive: true });
  const scratch = path.join(dir, 'steps');
  await mkdir(scratch, { recursive: true });

  const journal = { version: '7', dialect: 'postgresql', entries: [] as object[] };
  const tags: string[] = [];
  let prev = generateDrizzleJson({});
  const firstWhen = Date.now() - steps.length * 3_600_000;
  for (const [idx, step] of steps.entries()) {
    const file = path.join(scratch, `schema_${idx}.ts`);
    await writeFile(file, renderSchema(step.tables));
    const imports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const cur = generateDrizzleJson(imports, idx === 0 ? DRY_PG_ID : prev.id);
    const statements = await generateMigration(prev, cur);
    const tag = `${String(idx).padStart(4, '0')}_${step.name}`;
    // Exactly what drizzle-kit's writeResult writes.
    await writeFile(
      path.join(dir, 'drizzle', 'meta', `${tag.slice(0, 4)}_snapshot.json`),
      JSON.stringify({ ...cur, _meta: { columns: {}, schemas: {}, tables: {} } }, null, 2),
    );
    await writeFile(path.join(dir, 'drizzle', `${tag}.sql`), statements.join(BREAKPOINT));
    journal.entries.push({ idx, version: cur.version, when: firstWhen + idx * 3_600_000, tag, breakpoints: true });
    tags.push(tag);
    prev = cur;
  }
  await writeFile(path.join(dir, 'drizzle', 'meta', '_journal.json'), JSON.stringify(journal, null, 2));
  await cp(path.join(scratch, `schema_${steps.length - 1}.ts`), path.join(dir, 'schema.ts'));
  await writeFile(path.join(dir, 'drizzle.config.ts'), DRIZZLE_CONFIG);
  await rm(scratch, { recursive: true, force: true });

  // The real CLI must agree that the folder is up to date with the schema file.
  const check = expectOk(
    'drizzle-kit generate (corpus check)',
    await timedNode(path.join(repoRoot, 'node_modules', 'drizzle-kit', 'bin.cjs'), ['generate'], {
      cwd: dir,
      env: { DATABASE_URL: 'postgres://unused@127.0.0.1/unused' },
    }),
  );
  if (!/No schema changes/.test(check.stdout + check.stderr)) {
    throw new Error(`drizzle-kit generate found changes the generated corpus lacks:\n${check.stdout}${check.stderr}`);
  }
  const corpus: Corpus = { dir, tags };
  await writeFile(marker, JSON.stringify(corpus, null, 2));
  return corpus;
}

/** The number of tables the corpus's final schema file declares. */
export function tableCount(corpus: Corpus): number {
  return readFileSync(path.join(corpus.dir, 'schema.ts'), 'utf8').match(/= pgTable\(/g)?.length ?? 0;
}
