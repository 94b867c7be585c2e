/**
 * What drizzle-kit's introspection does not see, read from PostgreSQL's own deparsers on both
 * sides of a comparison (the live database and the replayed migrations): extensions, the order of
 * enum values (`enumsortorder`), functions and procedures (`pg_get_functiondef`), triggers
 * (`pg_get_triggerdef`), view definitions (`pg_get_viewdef`), and the full definitions of indexes
 * and constraints (`pg_get_indexdef`, `pg_get_constraintdef`: expressions, predicates, operator
 * classes, check expressions). Objects an extension owns are left out.
 *
 * `compareExtras` turns two readings into drift lines, and into the SQL that takes the first side
 * to the second where it can be expressed without rewriting data.
 */
import { DbctlError } from '../../errors.js';
import type postgres from 'postgres';

/** One object as PostgreSQL prints it. */
export interface CatalogObject {
  kind: 'extension' | 'enum' | 'function' | 'trigger' | 'view' | 'index' | 'constraint';
  /** Unique within its kind: `schema.name`, `schema.table.name`, `schema.name(args)`. */
  key: string;
  /** How it is shown in messages: `function public.touch()`. */
  label: string;
  /** The definition compared. */
  def: string;
  /** Extra facts for writing SQL: the drop statement of the object. */
  drop: string;
}

const inList = (schemas: readonly string[]) => schemas.map((it) => `'${it.replace(/'/g, "''")}'`).join(', ');

/** Reads the objects of `schemas` (extensions: all). Read-only. */
export async function readCatalogExtras(sql: postgres.Sql | postgres.TransactionSql, schemas: readonly string[]): Promise<CatalogObject[]> {
  if (schemas.length === 0) return [];
  const list = inList(schemas);
  const notExtension = (classid: string, oid: string) =>
    `not exists (select 1 from pg_catalog.pg_depend d where d.classid = '${classid}'::regclass and d.objid = ${oid} and d.deptype = 'e')`;
  const rows = await sql.unsafe<{ kind: CatalogObject['kind']; key: string; label: string; def: string; drop: string }[]>(`
    select 'extension'::text as kind, e.extname::text as key, ('extension ' || e.extname)::text as label, n.nspname::text as def,
           ('DROP EXTENSION ' || quote_ident(e.extname) || ';')::text as drop
      from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace
     where e.extname <> 'plpgsql'
    union all
    select 'enum', n.nspname || '.' || t.typname, 'enum ' || n.nspname || '.' || t.typname,
           (select string_agg(quote_literal(e.enumlabel), ', ' order by e.enumsortorder) from pg_catalog.pg_enum e where e.enumtypid = t.oid),
           ''
      from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
     where t.typtype = 'e' and n.nspname in (${list}) and ${notExtension('pg_catalog.pg_type', 't.oid')}
    union all
    select 'function', n.nspname || '.' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
           case p.prokind when 'p' then 'procedure ' else 'function ' end || n.nspname || '.' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
           pg_catalog.pg_get_functiondef(p.oid),
           case p.prokind when 'p' then 'DROP PROCEDURE IF EXISTS ' else 'DROP FUNCTION IF EXISTS ' end || quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ');'
      from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
     where p.prokind in ('f', 'p') and n.nspname in (${list}) and ${notExtension('pg_catalog.pg_proc', 'p.oid')}
    union all
    select 'trigger', n.nspname || '.' || c.relname || '.' || t.tgname, 'trigger ' || t.tgname || ' on ' || n.nspname || '.' || c.relname,
           pg_catalog.pg_get_triggerdef(t.oid),
           'DROP TRIGGER IF EXISTS ' || quote_ident(t.tgname) || ' ON ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ';'
      from pg_catalog.pg_trigger t join pg_catalog.pg_class c on c.oid = t.tgrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where not t.tgisinternal and n.nspname in (${list}) and ${notExtension('pg_catalog.pg_trigger', 't.oid')}
    union all
    select 'view', n.nspname || '.' || c.relname, case c.relkind when 'm' then 'materialized view ' else 'view ' end || n.nspname || '.' || c.relname,
           pg_catalog.pg_get_viewdef(c.oid), ''
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('v', 'm') and n.nspname in (${list}) and ${notExtension('pg_catalog.pg_class', 'c.oid')}
    union all
    select 'index', n.nspname || '.' || t.relname || '.' || ic.relname, 'index ' || n.nspname || '.' || ic.relname || ' on ' || t.relname,
           pg_catalog.pg_get_indexdef(i.indexrelid),
           'DROP INDEX IF EXISTS ' || quote_ident(n.nspname) || '.' || quote_ident(ic.relname) || ';'
      from pg_catalog.pg_index i join pg_catalog.pg_class ic on ic.oid = i.indexrelid join pg_catalog.pg_class t on t.oid = i.indrelid
      join pg_catalog.pg_namespace n on n.oid = t.relnamespace
     where n.nspname in (${list}) and not exists (select 1 from pg_catalog.pg_constraint k where k.conindid = i.indexrelid and k.contype in ('p', 'u', 'x'))
       and ${notExtension('pg_catalog.pg_class', 'ic.oid')}
    union all
    select 'constraint', n.nspname || '.' || t.relname || '.' || k.conname, 'constraint ' || k.conname || ' on ' || n.nspname || '.' || t.relname,
           pg_catalog.pg_get_constraintdef(k.oid),
           'ALTER TABLE ' || quote_ident(n.nspname) || '.' || quote_ident(t.relname) || ' DROP CONSTRAINT IF EXISTS ' || quote_ident(k.conname) || ';'
      from pg_catalog.pg_constraint k join pg_catalog.pg_class t on t.oid = k.conrelid join pg_catalog.pg_namespace n on n.oid = t.relnamespace
     where k.conrelid <> 0 and k.contype <> 'n' and n.nspname in (${list})
    order by 1, 2`);
  return rows.map((row) => ({ kind: row.kind, key: row.key, label: shortLabel(row.label), def: row.def ?? '', drop: row.drop ?? '' }));
}

/** `public.` left out of labels, as elsewhere in drift lines. */
const shortLabel = (label: string) => label.replace(/(^| )public\./g, '$1');

/** A difference found by `compareExtras`. */
export interface ExtraDifference {
  kind: CatalogObject['kind'];
  /** The object's key (see CatalogObject). */
  key: string;
  line: string;
  /** SQL taking the first side to the second, or null when it cannot be expressed without rewriting data. */
  sql: string[] | null;
  /** Why it cannot be expressed (when sql is null). */
  unexpressible?: string;
}

/** Kinds whose presence drizzle-kit's diff already compares (only their definitions are compared here). */
const DEFINITION_ONLY = new Set<CatalogObject['kind']>(['view', 'index', 'constraint', 'enum']);

/**
 * The differences between `actual` (the database) and `expected` (the migrations): one line each,
 * saying what the database has and what the migrations make, and the SQL that repairs it.
 */
export function compareExtras(
  actual: readonly CatalogObject[],
  expected: readonly CatalogObject[],
  sides = { actual: 'the database', expected: 'the migrations' },
): ExtraDifference[] {
  const byKey = (objects: readonly CatalogObject[]) => new Map(objects.map((o) => [`${o.kind}\u0000${o.key}`, o]));
  const have = byKey(actual);
  const want = byKey(expected);
  const out: ExtraDifference[] = [];
  for (const [key, w] of want) {
    const h = have.get(key);
    if (!h) {
      if (DEFINITION_ONLY.has(w.kind)) continue;
      out.push({ kind: w.kind, key: w.key, line: `${w.label}: missing in ${sides.actual}`, sql: createSql(w) });
      continue;
    }
    if (h.def === w.def) continue;
    if (w.kind === 'enum') {
      const sameSet = [...h.def.split(', ')].sort().join() === [...w.def.split(', ')].sort().join();
      if (!sameSet) continue; // values added or missing: drizzle-kit's diff says which
      out.push({
        kind: 'enum',
        key: w.key,
        line: `${w.label}: values ordered ${h.def} in ${sides.actual}, ${w.def} in ${sides.expected}`,
        sql: null,
        unexpressible: `${w.label}: the order of enum values cannot change without recreating the type and rewriting every column that uses it`,
      });
      continue;
    }
    if (w.kind === 'extension') {
      out.push({
        kind: 'extension',
        key: w.key,
        line: `${w.label}: in schema ${h.def} in ${sides.actual}, ${w.def} in ${sides.expected}`,
        sql: [`ALTER EXTENSION "${w.key}" SET SCHEMA "${w.def}";`],
      });
      continue;
    }
    const line =
      w.kind === 'function' || w.kind === 'view'
        ? `${w.label}: definition differs between ${sides.actual} and ${sides.expected}`
        : `${w.label}: ${sides.actual} has \`${h.def}\`, ${sides.expected} make \`${w.def}\``;
    out.push({ kind: w.kind, key: w.key, line, sql: replaceSql(h, w) });
  }
  for (const [key, h] of have) {
    if (want.has(key) || DEFINITION_ONLY.has(h.kind)) continue;
    if (h.kind === 'extension') {
      out.push({
        kind: 'extension',
        key: h.key,
        line: `${h.label}: in ${sides.actual}, not in ${sides.expected}`,
        sql: null,
        unexpressible: `${h.label} is in the database but no migration creates it: add \`CREATE EXTENSION IF NOT EXISTS "${h.key}";\` to a migration (\`dbctl generate --custom\`), or drop it by hand`,
      });
      continue;
    }
    out.push({ kind: h.kind, key: h.key, line: `${h.label}: in ${sides.actual}, not in ${sides.expected}`, sql: [h.drop] });
  }
  return out;
}

function createSql(w: CatalogObject): string[] | null {
  switch (w.kind) {
    case 'extension':
      return [`CREATE EXTENSION IF NOT EXISTS "${w.key}" WITH SCHEMA "${w.def}";`];
    case 'function':
      return [`${w.def.trim()};`];
    case 'trigger':
      return [w.drop, `${w.def};`];
    default:
      return null;
  }
}

function replaceSql(h: CatalogObject, w: CatalogObject): string[] | null {
  switch (w.kind) {
    case 'function':
      return [`${w.def.trim()};`]; // CREATE OR REPLACE: triggers using it stay
    case 'trigger':
      return [h.drop, `${w.def};`];
    case 'index':
      return [h.drop, `${w.def};`];
    case 'constraint': {
      const [schema, table, name] = splitKey(w.key);
      return [h.drop, `ALTER TABLE "${schema}"."${table}" ADD CONSTRAINT "${name}" ${w.def};`];
    }
    case 'view': {
      const [schema, name] = splitKey(w.key);
      return [`CREATE OR REPLACE VIEW "${schema}"."${name}" AS ${w.def.trim().replace(/;$/, '')};`];
    }
    default:
      return null;
  }
}

/** A key's dot-separated parts (names with dots in them are rare; the last parts win). */
function splitKey(key: string): string[] {
  return key.split('.');
}

/** OPERATION_FAILED (fix writes nothing) for the differences no migration can express. */
export function assertExpressible(extras: readonly ExtraDifference[]): void {
  const unexpressible = extras.filter((e) => e.sql === null).map((e) => e.unexpressible ?? e.line);
  if (unexpressible.length === 0) return;
  throw new DbctlError(
    'OPERATION_FAILED',
    `fix cannot express ${unexpressible.length === 1 ? 'one difference' : `${unexpressible.length} differences`} as a migration; nothing written`,
    {
      details: unexpressible.map((line) => `  - ${line}`),
      hint: 'repair these by hand (or in a `dbctl generate --custom` migration), then run `dbctl check --env` again',
    },
  );
}

/** The extras' SQL around drizzle-kit's: extensions and functions the rest may need first, the rest after. */
export function extrasAround(extras: readonly ExtraDifference[]): { first: string[]; last: string[] } {
  const isFirst = (e: ExtraDifference) => e.kind === 'extension' || (e.kind === 'function' && !e.line.includes(', not in '));
  return {
    first: extras.filter(isFirst).flatMap((e) => e.sql ?? []),
    last: extras.filter((e) => !isFirst(e)).flatMap((e) => e.sql ?? []),
  };
}
