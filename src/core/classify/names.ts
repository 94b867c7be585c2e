/**
 * Names as a migration writes them, qualified the way the session would resolve them, and the
 * search_path the migration set along the way (state of the one synchronous classification run).
 *
 * Pure: no fs, process or network.
 */
import {
  isNodeList,
  nodeOf,
  objectName as astObjectName,
  rangeVarOf,
  qualify as astQualify,
  stringList,
  typeQualifiedName as astTypeQualifiedName,
  type Pg,
  type QualifiedName,
} from '../../sql/ast.js';

/** A name as written: the schema is the search path's first schema when it had no qualifier. */
export type Name = QualifiedName & { explicit: boolean };

/**
 * The search_path a `SET search_path` earlier in the migration set, while one `classifyStatements`
 * call runs (classification is synchronous, so no two runs interleave). Unqualified names take its
 * first schema as their best static guess; the destroyed objects say they were unqualified.
 */
let currentSearchPath: string[] | null = null;

/** The search_path in force for the statement being classified (null: the session's own). */
export function searchPath(): string[] | null {
  return currentSearchPath;
}

/** Sets the search_path in force (a `SET search_path`, `set_config`, `RESET`, or a new run). */
export function setSearchPath(path: string[] | null): void {
  currentSearchPath = path;
}

/** The schema an unqualified name most likely resolves to under `currentSearchPath`. */
function defaultSchema(): string | undefined {
  for (const entry of currentSearchPath ?? []) if (entry !== '$user' && !entry.startsWith('pg_')) return entry;
  return undefined;
}

/** Qualifies a name as written (the search path's first schema when it had none). */
export function qualify(schema: string | undefined | null, name: string): Name {
  return { ...astQualify(schema || defaultSchema(), name), explicit: Boolean(schema) };
}

/** The name of a RangeVar (with or without its wrapper). */
export function rangeVarName(rangeVar: Pg.RangeVar | Pg.Node | undefined): Name {
  const rv = rangeVarOf(rangeVar) ?? {};
  return qualify(rv.schemaname, String(rv.relname ?? '?'));
}

/** The name of a DROP / COMMENT object (a List of Strings, an ObjectWithArgs, a TypeName). */
export function objectName(object: Pg.Node | readonly Pg.Node[] | undefined): Name {
  const withArgs = nodeOf(object, 'ObjectWithArgs');
  if (withArgs) return objectName(withArgs.objname ?? []);
  const list = nodeOf(object, 'List');
  const parts = list ? stringList(list.items) : Array.isArray(object) ? stringList(object) : null;
  if (parts) return parts.length > 1 ? qualify(parts[parts.length - 2], parts[parts.length - 1]!) : qualify(undefined, parts[0] ?? '?');
  const typeName = nodeOf(object, 'TypeName');
  if (typeName) return typeQualifiedName(typeName);
  const plain = astObjectName(object);
  return qualify(undefined, plain.name);
}

/** The name of a user type: a TypeName body, or the list of names `CREATE TYPE s.t AS ENUM` gives. */
export function typeQualifiedName(typeName: Pg.TypeName | readonly Pg.Node[] | undefined): Name {
  const parts = stringList(isNodeList(typeName) ? typeName : typeName?.names);
  if (parts.length > 1) return qualify(parts[parts.length - 2], parts[parts.length - 1]!);
  return qualify(undefined, astTypeQualifiedName(typeName).name);
}

/** Splits a search_path setting (`"$user", public`) into its entries. */
export function parseSearchPath(value: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < value.length) {
    while (i < value.length && (value[i] === ' ' || value[i] === ',' || value[i] === '\t')) i++;
    if (i >= value.length) break;
    let entry = '';
    if (value[i] === '"') {
      i++;
      while (i < value.length) {
        if (value[i] === '"' && value[i + 1] === '"') {
          entry += '"';
          i += 2;
        } else if (value[i] === '"') {
          i++;
          break;
        } else entry += value[i++];
      }
    } else {
      while (i < value.length && value[i] !== ',') entry += value[i++];
      entry = entry.trim().toLowerCase();
    }
    while (i < value.length && value[i] !== ',') i++;
    out.push(entry);
  }
  return out;
}

/** The key of a column in the migration's column sets (`schema.table.column`). */
export const columnKey = (table: string, column: string) => `${table}.${column}`;
