/**
 * What one classification run accumulates: the objects created earlier in the migration
 * (`NewObjects`), the effects of the statement being classified (`Effects`), and the handler
 * signature every statement family implements.
 *
 * Pure: no fs, process or network.
 */
import type { SqlParser } from '../../sql/parser.js';
import { nodeOf, type NodeBody, type NodeKind, type Pg, type TypeInfo } from '../../sql/ast.js';
import {
  BLOCK_RANK,
  BLOCKS,
  LOCK_LEVELS,
  type ClassifyOptions,
  type CreatedObject,
  type DestroyedObject,
  type LockInfo,
  type LockLevel,
  type ModifiedTable,
  type StatementClass,
  type StatementClassification,
} from './model.js';
import { columnKey, searchPath, type Name } from './names.js';

/** Objects created earlier in the migration being classified. */
export class NewObjects {
  readonly tables = new Set<string>();
  /** Index → its table, for indexes created in this migration. */
  readonly indexes = new Map<string, string>();
  readonly types = new Set<string>();
  readonly schemas = new Set<string>();
  readonly sequences = new Set<string>();
  readonly columns = new Set<string>();
  /** Column types known in this migration: created here, or retyped here. */
  readonly columnTypes = new Map<string, TypeInfo>();
  /** Existing tables renamed (or moved) in this migration: current `schema.table` → the table before the migration. */
  readonly origins = new Map<string, Origin>();
  /** Existing columns renamed in this migration: `schema.table.column` (table as before the migration, column now) → column before. */
  readonly columnOrigins = new Map<string, string>();
  /** Functions and procedures defined in this migration, by lower-case name: a call runs their body. */
  readonly functions = new Map<string, FunctionDefinition>();
  /** Prepared statements (`PREPARE name AS ...`). */
  readonly prepared = new Map<string, { kind: string; body: unknown }>();
  /** Functions being inlined (recursion guard). */
  readonly active = new Set<string>();
  /** The text of the statement being classified (what the PL/pgSQL parser is given). */
  text = '';
  /** The table of the ALTER TABLE whose sub-commands are being classified. */
  alterTarget: Name | undefined;
  constructor(
    readonly parser: SqlParser | undefined,
    readonly session: { searchPath: string[] | null },
  ) {}

  /** The table as it was before the migration. */
  origin(name: Name): Origin {
    return this.origins.get(name.qualified) ?? { schema: name.schema, table: name.name, explicit: name.explicit, searchPath: searchPath() };
  }
}

/** A table as it was before the migration (name, how it was written, the search_path then). */
export interface Origin {
  schema: string;
  table: string;
  explicit: boolean;
  searchPath: string[] | null;
}

/** A function or procedure created in the migration. */
export interface FunctionDefinition {
  name: string;
  language: string;
  /** The CREATE FUNCTION statement's text (PL/pgSQL bodies are parsed from it). */
  text: string;
  /** The body string (`AS $$ ... $$`), for SQL functions. */
  body: string | undefined;
  /** `BEGIN ATOMIC ... END` statements, for SQL-standard bodies. */
  sqlBody: Pg.Node | undefined;
}

/** Accumulates the effects of one statement. */
export class Effects {
  level: LockLevel | null = null;
  blocks: LockInfo['blocks'] = 'nothing';
  rewrites = false;
  scans = false;
  heavy = false;
  transactional = true;
  /** A plain BEGIN or COMMIT (see `StatementClassification.control`). */
  control: 'begin' | 'commit' | undefined;
  tables: string[] = [];
  newTables: string[] = [];
  destroys: DestroyedObject[] = [];
  modifies: ModifiedTable[] = [];
  opaque = false;
  creates: CreatedObject[] = [];

  constructor(private readonly objects: NewObjects) {}

  touch(table: string | undefined): void {
    if (!table) return;
    if (!this.tables.includes(table)) this.tables.push(table);
    if (this.objects.tables.has(table) && !this.newTables.includes(table)) this.newTables.push(table);
  }

  isNew(table: string | undefined): boolean {
    return table !== undefined && this.objects.tables.has(table);
  }

  /** Records a lock on `table`; locks on tables created in this migration cost nothing. */
  lock(level: LockLevel, table: string | undefined, work: { rewrites?: boolean; scans?: boolean; blocks?: LockInfo['blocks'] } = {}): void {
    this.touch(table);
    if (this.isNew(table)) return;
    if (!this.level || LOCK_LEVELS.indexOf(level) > LOCK_LEVELS.indexOf(this.level)) this.level = level;
    const blocks = work.blocks ?? BLOCKS[level];
    if (BLOCK_RANK[blocks] > BLOCK_RANK[this.blocks]) this.blocks = blocks;
    if (work.rewrites) this.rewrites = true;
    if (work.scans) this.scans = true;
    if ((work.rewrites || work.scans) && blocks !== 'nothing') this.heavy = true;
  }

  /**
   * Records destroyed data, named as it was before the migration (renames mapped back), with how
   * the name was written (`qualified`) and the search_path then in force.
   */
  destroy(object: DestroyedObject, name?: Name): void {
    if (object.kind === 'opaque') {
      if (!this.destroys.some((d) => d.kind === 'opaque' && d.reason === object.reason && d.name === object.name))
        this.destroys.push(object);
      this.opaque = true;
      return;
    }
    const out: DestroyedObject = { ...object };
    if (name && object.table !== undefined) {
      const origin = this.objects.origin(name);
      out.schema = origin.schema;
      out.table = origin.table;
      out.qualified = origin.explicit;
      if (!origin.explicit && origin.searchPath) out.searchPath = [...origin.searchPath];
      if (object.column !== undefined)
        out.column = this.objects.columnOrigins.get(`${origin.schema}.${origin.table}.${object.column}`) ?? object.column;
    } else if (name) {
      out.qualified = name.explicit;
      const path = searchPath();
      if (!name.explicit && path) out.searchPath = [...path];
    }
    this.destroys.push(out);
  }

  /** Records a planned row change on an existing table (named as it was before the migration). */
  modify(name: Name): void {
    if (this.isNew(name.qualified)) return;
    const origin = this.objects.origin(name);
    const entry: ModifiedTable = { schema: origin.schema, table: origin.table, qualified: origin.explicit };
    if (!origin.explicit && origin.searchPath) entry.searchPath = [...origin.searchPath];
    if (!this.modifies.some((m) => m.schema === entry.schema && m.table === entry.table && m.qualified === entry.qualified))
      this.modifies.push(entry);
  }

  /** Records something the analysis cannot see into. */
  unknown(what: string, reason: string): void {
    this.destroy({ kind: 'opaque', schema: '', name: what, reason });
  }

  create(object: CreatedObject): void {
    this.creates.push(object);
  }

  result(summary: string): StatementClassification {
    const cls: StatementClass = this.destroys.length > 0 || this.opaque ? 'destructive' : this.heavy ? 'locking' : 'safe';
    return {
      class: cls,
      lock: { level: this.level, blocks: this.blocks, rewritesTable: this.rewrites, scansTable: this.scans, tables: this.tables },
      transactional: this.transactional,
      commitAfter: false,
      destroys: this.destroys,
      modifies: this.modifies,
      opaque: this.opaque,
      creates: this.creates,
      summary,
      newTables: this.newTables,
      ...(this.control ? { control: this.control } : {}),
    };
  }
}

/**
 * Classifies one statement body of the kind it is registered under: records its effects into
 * `fx`, what it creates into `objects`, and returns its one-line summary.
 */
export type Handler<K extends NodeKind> = (body: NodeBody<K>, fx: Effects, objects: NewObjects, options: ClassifyOptions) => string;

/** A statement family's handlers, by node kind (`CreateStmt`, `DropStmt`, ...), each given its kind's typed body. */
export type Handlers = { [K in NodeKind]?: Handler<K> };

/** A readable one-line start of a statement, for kinds without a dedicated summary. */
export function fallbackSummary(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

export function knownColumnType(objects: NewObjects, options: ClassifyOptions, table: string, column: string): TypeInfo | undefined {
  const known = objects.columnTypes.get(columnKey(table, column));
  if (known || objects.tables.has(table)) return known;
  const origin = objects.origins.get(table);
  const before = origin ? `${origin.schema}.${origin.table}` : table;
  return options.columnType?.(before, objects.columnOrigins.get(`${before}.${column}`) ?? column);
}

/**
 * Whether a `DefElem` option (VACUUM / REINDEX / CLUSTER options) is on: present, with no value or
 * a value PostgreSQL reads as true (`FULL`, `FULL true`, `FULL 1`, `FULL on`; not `false`/`off`/`0`).
 */
export function optionOn(options: readonly Pg.Node[] | undefined, name: string): boolean {
  for (const option of options ?? []) {
    const elem = nodeOf(option, 'DefElem');
    if (!elem || String(elem.defname ?? '').toLowerCase() !== name) continue;
    const arg = elem.arg;
    if (!arg) return true;
    // the parser's JSON omits zero values: `FULL 0` arrives as `{ Integer: {} }`
    const integer = nodeOf(arg, 'Integer');
    if (integer) return Number(integer.ival ?? 0) !== 0;
    const boolean = nodeOf(arg, 'Boolean');
    if (boolean) return Boolean(boolean.boolval);
    const value = String(nodeOf(arg, 'String')?.sval ?? 'true').toLowerCase();
    return !['false', 'off', 'no', '0'].includes(value);
  }
  return false;
}
