/**
 * THE classification table: what each SQL statement of a migration locks, blocks, rewrites, scans
 * or destroys, and whether it can run inside a transaction. Decided once, from the libpg-query AST;
 * the review rules, the apply engine (transaction splitting, commits after enum values, backups)
 * and the guards all read it.
 *
 * Context-aware across one migration: objects created earlier in the same migration are new, so
 * locking or dropping them costs nothing (CREATE INDEX on a table created above is 'safe').
 *
 * Pure: no fs, process or network.
 */
import type { ParsedStatement, SqlParser } from '../sql/parser.js';
import {
  columnDefault,
  columnConstraints,
  createTableElements,
  defElemNames,
  objectName as astObjectName,
  qualify as astQualify,
  rangeVarName as astRangeVarName,
  stringConstants,
  stringList,
  typeInfo,
  typeQualifiedName as astTypeQualifiedName,
  walk,
  type QualifiedName,
  type TypeInfo,
} from '../sql/ast.js';
import { BUILTIN_FUNCTIONS } from './classify/builtins.js';
import { plpgsqlItems, type PlpgsqlItem } from './classify/plpgsql.js';
import { isPlainUsingCast, typeChangeEffect } from './classify/types.js';
import { defaultVolatility, SERIAL_TYPES } from './classify/volatility.js';

/** safe: no data loss, no long lock · locking: blocks reads or writes on an existing table while it rewrites or scans it · destructive: loses data. */
export type StatementClass = 'safe' | 'locking' | 'destructive';

/** PostgreSQL table lock levels, weakest first. */
export type LockLevel =
  | 'ACCESS SHARE'
  | 'ROW SHARE'
  | 'ROW EXCLUSIVE'
  | 'SHARE UPDATE EXCLUSIVE'
  | 'SHARE'
  | 'SHARE ROW EXCLUSIVE'
  | 'EXCLUSIVE'
  | 'ACCESS EXCLUSIVE';

/** The lock levels in increasing strength. */
export const LOCK_LEVELS: readonly LockLevel[] = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
];

/** The strongest lock a statement takes on existing tables, and what that costs. */
export interface LockInfo {
  /** Strongest lock on an existing (not created in this migration) relation; null when none. */
  level: LockLevel | null;
  /** What ordinary application queries are blocked from while the lock is held. */
  blocks: 'nothing' | 'writes' | 'reads-and-writes';
  /** The statement rewrites an existing table (and rebuilds its indexes). */
  rewritesTable: boolean;
  /** The statement reads a whole existing table (validation, index build) while holding the lock. */
  scansTable: boolean;
  /** Qualified names touched, e.g. "public.users" (new tables included). */
  tables: string[];
}

/**
 * One thing whose data a statement destroys. Names refer to objects as they exist BEFORE the
 * migration starts (renames earlier in the migration are mapped back); objects created earlier in
 * the same migration never appear.
 *
 * `kind: 'opaque'`: a statement the analysis cannot see into (dynamic `EXECUTE`, a call of a user
 * function, `CALL`); it counts as destructive, and only PostgreSQL can say what it did.
 */
export interface DestroyedObject {
  kind: 'table' | 'column' | 'schema' | 'rows' | 'type' | 'index' | 'other' | 'opaque';
  /** The schema: the explicit qualifier, else the analysis' best guess (see `qualified`). */
  schema: string;
  table?: string;
  column?: string;
  name?: string;
  /** e.g. 'DROP COLUMN', 'ALTER COLUMN TYPE', 'TRUNCATE', 'DELETE without WHERE'. */
  reason: string;
  /**
   * false when the name had no schema qualifier: the live side resolves it with the session's real
   * search_path, or with `searchPath` when the migration ran `SET search_path` before it. Absent
   * means qualified (or not a schema object).
   */
  qualified?: boolean;
  /** The search_path a `SET search_path` earlier in the migration set (`"$user"` kept as written). */
  searchPath?: string[];
  /** Dropped with CASCADE: the live side follows pg_depend (columns of a type, dependent views, ...). */
  cascade?: boolean;
  /** Index of the drizzle chunk (statement) that destroys it. */
  statementIndex?: number;
}

/**
 * A table whose rows a statement visibly modifies in a planned way (UPDATE/DELETE with WHERE,
 * INSERT ... ON CONFLICT DO UPDATE, MERGE): rows changed there are planned, not lost by accident.
 */
export interface ModifiedTable {
  schema: string;
  table: string;
  /** false when the name had no schema qualifier (resolve it as for `DestroyedObject.qualified`). */
  qualified: boolean;
  /** See `DestroyedObject.searchPath`. */
  searchPath?: string[];
  /** Index of the drizzle chunk (statement) that modifies it. */
  statementIndex?: number;
}

/** One object a statement creates. */
export interface CreatedObject {
  /** 'table' | 'column' | 'index' | 'type' | 'schema' | 'sequence' | 'view' | 'extension' | ... */
  kind: string;
  schema: string;
  table?: string;
  name?: string;
}

/** Everything dbctl knows about one statement. */
export interface StatementClassification {
  class: StatementClass;
  lock: LockInfo;
  /** false: cannot run inside a transaction block (CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, VACUUM, CREATE/DROP DATABASE, ALTER SYSTEM, CREATE TABLESPACE, ...) */
  transactional: boolean;
  /** true on `ALTER TYPE ... ADD VALUE 'v'` when a LATER statement of the same migration uses 'v' (a string constant equal to v anywhere in its AST): the apply engine commits right after it. */
  commitAfter: boolean;
  /** what data this statement destroys (drives backups before destructive migrations) */
  destroys: DestroyedObject[];
  /** tables whose rows it modifies in a planned way (UPDATE/DELETE with WHERE, upserts) */
  modifies: ModifiedTable[];
  /** true when part of it cannot be seen into (dynamic EXECUTE, user function calls, CALL) */
  opaque: boolean;
  /** what it creates (tables, columns, indexes, types, schemas), for context */
  creates: CreatedObject[];
  /** short human description, e.g. "ALTER TABLE public.users DROP COLUMN email" */
  summary: string;
  /** Tables this statement touches that were created earlier in the same migration (or by it). */
  newTables: string[];
}

/** Knowledge from outside the migration that sharpens the classification. */
export interface ClassifyOptions {
  /** The current type of an existing column (from earlier migrations), when known. */
  columnType?: (table: string, column: string) => TypeInfo | undefined;
  /**
   * Whether every column of an existing index is already NOT NULL (for `ADD PRIMARY KEY USING
   * INDEX`, which otherwise runs a SET NOT NULL scan); undefined when not known (a scan is assumed).
   */
  indexColumnsNotNull?: (table: string, index: string) => boolean | undefined;
  /**
   * The parser, to see into `DO` blocks, PL/pgSQL and SQL function bodies and constant `EXECUTE`
   * strings. Without it those are opaque (destructive).
   */
  parser?: SqlParser;
  /**
   * Session state carried from statement to statement, and from one migration to the next when
   * they run on one connection: the `search_path` a `SET search_path` set (null: the session's own).
   * Updated in place.
   */
  session?: { searchPath: string[] | null };
}

/** A name as written: the schema is the search path's first schema when it had no qualifier. */
type Name = QualifiedName & { explicit: boolean };

/**
 * The search_path a `SET search_path` earlier in the migration set, while one `classifyStatements`
 * call runs (classification is synchronous, so no two runs interleave). Unqualified names take its
 * first schema as their best static guess; the destroyed objects say they were unqualified.
 */
let currentSearchPath: string[] | null = null;

/** The schema an unqualified name most likely resolves to under `currentSearchPath`. */
function defaultSchema(): string | undefined {
  for (const entry of currentSearchPath ?? []) if (entry !== '$user' && !entry.startsWith('pg_')) return entry;
  return undefined;
}

function qualify(schema: string | undefined | null, name: string): Name {
  return { ...astQualify(schema || defaultSchema(), name), explicit: Boolean(schema) };
}

function rangeVarName(rangeVar: any): Name {
  const rv = rangeVar?.RangeVar ?? rangeVar ?? {};
  return qualify(rv.schemaname, String(rv.relname ?? '?'));
}

function objectName(object: any): Name {
  if (object?.ObjectWithArgs) return objectName(object.ObjectWithArgs.objname ?? []);
  const parts = object?.List ? stringList(object.List.items) : Array.isArray(object) ? stringList(object) : null;
  if (parts) return parts.length > 1 ? qualify(parts[parts.length - 2], parts[parts.length - 1]!) : qualify(undefined, parts[0] ?? '?');
  if (object?.TypeName) return typeQualifiedName(object.TypeName);
  const plain = astObjectName(object);
  return qualify(undefined, plain.name);
}

function typeQualifiedName(typeName: any): Name {
  const parts = stringList(typeName?.names);
  if (parts.length > 1) return qualify(parts[parts.length - 2], parts[parts.length - 1]!);
  return qualify(undefined, astTypeQualifiedName(typeName).name);
}

const BLOCKS: Record<LockLevel, LockInfo['blocks']> = {
  'ACCESS SHARE': 'nothing',
  'ROW SHARE': 'nothing',
  'ROW EXCLUSIVE': 'nothing',
  'SHARE UPDATE EXCLUSIVE': 'nothing',
  SHARE: 'writes',
  'SHARE ROW EXCLUSIVE': 'writes',
  EXCLUSIVE: 'writes',
  'ACCESS EXCLUSIVE': 'reads-and-writes',
};

/** What ordinary reads and writes a lock level blocks. */
export function lockBlocks(level: LockLevel | null): LockInfo['blocks'] {
  return level ? BLOCKS[level] : 'nothing';
}

const BLOCK_RANK: Record<LockInfo['blocks'], number> = { nothing: 0, writes: 1, 'reads-and-writes': 2 };

/** One short sentence about a lock, e.g. "ACCESS EXCLUSIVE lock on public.users: blocks reads and writes; rewrites the table". */
export function describeLock(lock: LockInfo): string {
  if (!lock.level) {
    return lock.tables.length ? `no lock on existing tables (${lock.tables.join(', ')} created in this migration)` : 'no lock on existing tables';
  }
  const on = lock.tables.length ? ` on ${lock.tables.join(', ')}` : '';
  const blocks =
    lock.blocks === 'nothing' ? 'does not block reads or writes' : lock.blocks === 'writes' ? 'blocks writes (reads continue)' : 'blocks reads and writes';
  const work: string[] = [];
  const holding = lock.blocks === 'nothing' ? '' : ' while holding it';
  if (lock.rewritesTable) work.push(`rewrites the whole table${holding}`);
  else if (lock.scansTable) work.push(`scans the whole table${holding}`);
  else if (lock.blocks !== 'nothing') work.push('held briefly (catalog change only), but queues behind running queries');
  return `${lock.level} lock${on}: ${blocks}${work.length ? `; ${work.join('; ')}` : ''}`;
}

/** Objects created earlier in the migration being classified. */
class NewObjects {
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
  readonly prepared = new Map<string, { kind: string; body: any }>();
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
    return this.origins.get(name.qualified) ?? { schema: name.schema, table: name.name, explicit: name.explicit, searchPath: currentSearchPath };
  }
}

/** A table as it was before the migration (name, how it was written, the search_path then). */
interface Origin {
  schema: string;
  table: string;
  explicit: boolean;
  searchPath: string[] | null;
}

/** A function or procedure created in the migration. */
interface FunctionDefinition {
  name: string;
  language: string;
  /** The CREATE FUNCTION statement's text (PL/pgSQL bodies are parsed from it). */
  text: string;
  /** The body string (`AS $$ ... $$`), for SQL functions. */
  body: string | undefined;
  /** `BEGIN ATOMIC ... END` statements, for SQL-standard bodies. */
  sqlBody: any;
}

/** Accumulates the effects of one statement. */
class Effects {
  level: LockLevel | null = null;
  blocks: LockInfo['blocks'] = 'nothing';
  rewrites = false;
  scans = false;
  heavy = false;
  transactional = true;
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
      if (!this.destroys.some((d) => d.kind === 'opaque' && d.reason === object.reason && d.name === object.name)) this.destroys.push(object);
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
      if (object.column !== undefined) out.column = this.objects.columnOrigins.get(`${origin.schema}.${origin.table}.${object.column}`) ?? object.column;
    } else if (name) {
      out.qualified = name.explicit;
      if (!name.explicit && currentSearchPath) out.searchPath = [...currentSearchPath];
    }
    this.destroys.push(out);
  }

  /** Records a planned row change on an existing table (named as it was before the migration). */
  modify(name: Name): void {
    if (this.isNew(name.qualified)) return;
    const origin = this.objects.origin(name);
    const entry: ModifiedTable = { schema: origin.schema, table: origin.table, qualified: origin.explicit };
    if (!origin.explicit && origin.searchPath) entry.searchPath = [...origin.searchPath];
    if (!this.modifies.some((m) => m.schema === entry.schema && m.table === entry.table && m.qualified === entry.qualified)) this.modifies.push(entry);
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
    };
  }
}

/**
 * Classifies the statements of ONE migration, in order. Objects created earlier in the list are
 * new (no data, no readers), so operations on them are safe. A statement that failed to parse is
 * 'safe' and transactional, its summary naming the parse error.
 */
export function classifyStatements(statements: ParsedStatement[], options: ClassifyOptions = {}): StatementClassification[] {
  const classifier = new Classifier(options);
  const out = statements.map((statement) => classifier.next(statement));
  classifier.finish();
  return out;
}

/**
 * Classifies the statements of one migration one at a time, in order (what `classifyStatements`
 * does for a list): each call costs the statement's own size, whatever came before, so a migration
 * of n statements costs O(n), and the caller may drop each tree once it is classified.
 */
export class Classifier {
  private readonly objects: NewObjects;
  private readonly session: { searchPath: string[] | null };
  /** `ALTER TYPE ... ADD VALUE 'v'` classifications waiting for a later statement using 'v'. */
  private readonly enumValues = new Map<string, StatementClassification[]>();

  constructor(private readonly options: ClassifyOptions = {}) {
    this.session = options.session ?? { searchPath: null };
    this.objects = new NewObjects(options.parser, this.session);
  }

  /** Classifies the next statement of the migration. */
  next(statement: ParsedStatement): StatementClassification {
    const saved = currentSearchPath;
    currentSearchPath = this.session.searchPath;
    let result: StatementClassification;
    try {
      result = classifyOne(statement, this.objects, this.options);
    } finally {
      this.session.searchPath = currentSearchPath;
      currentSearchPath = saved;
    }
    this.markCommitAfter(statement, result);
    return result;
  }

  /** Ends the migration (nothing later can use a pending enum value). */
  finish(): void {
    this.enumValues.clear();
  }

  /** Sets `commitAfter` on each enum ADD VALUE whose value this (later) statement uses. */
  private markCommitAfter(statement: ParsedStatement, result: StatementClassification): void {
    if (this.enumValues.size > 0 && statement.node) {
      for (const constant of stringConstants(statement.node)) {
        const waiting = this.enumValues.get(constant);
        if (!waiting) continue;
        for (const c of waiting) c.commitAfter = true;
        this.enumValues.delete(constant);
      }
    }
    const value = statement.kind === 'AlterEnumStmt' ? statement.node.AlterEnumStmt.newVal : undefined;
    if (typeof value !== 'string' || statement.node.AlterEnumStmt.oldVal) return;
    const list = this.enumValues.get(value);
    if (list) list.push(result);
    else this.enumValues.set(value, [result]);
  }
}

function classifyOne(statement: ParsedStatement, objects: NewObjects, options: ClassifyOptions): StatementClassification {
  const fx = new Effects(objects);
  if (statement.kind === 'ParseError' || !statement.node) {
    return fx.result(`unparseable SQL: ${statement.error?.message ?? 'syntax error'}`);
  }
  const body = statement.node[statement.kind];
  objects.text = statement.text;
  const summary = runStatement(statement.kind, body, fx, objects, options) ?? fallbackSummary(statement.text);
  return fx.result(summary);
}

/** Statements that execute expressions (function calls) and may hold data-modifying sub-statements. */
const EXECUTING = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'CopyStmt', 'CreateTableAsStmt', 'ReturnStmt', 'PLAssignStmt']);
/** Data-modifying statements that may appear inside another (WITH d AS (DELETE ...) SELECT ...). */
const NESTED_DML = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** Runs one statement node (top level or nested) through the table; returns its summary. */
function runStatement(kind: string, body: any, fx: Effects, objects: NewObjects, options: ClassifyOptions): string | undefined {
  const handler = HANDLERS[kind];
  const summary = handler ? handler(body, fx, objects, options) : undefined;
  if (EXECUTING.has(kind)) seeInside(body, fx, objects, options);
  return summary;
}

/** Walks a statement for nested data-modifying statements and function calls. */
function seeInside(body: any, fx: Effects, objects: NewObjects, options: ClassifyOptions): void {
  walk(body, (key, value) => {
    if (NESTED_DML.has(key)) {
      runStatement(key, value, fx, objects, options);
      return false;
    }
    if (key === 'FuncCall') functionCall(value, fx, objects, options);
    return undefined;
  });
}

/** A function call: builtins destroy nothing, functions defined in the migration are inlined, others are opaque. */
function functionCall(call: any, fx: Effects, objects: NewObjects, options: ClassifyOptions): void {
  const parts = stringList(call.funcname);
  const name = (parts[parts.length - 1] ?? '').toLowerCase();
  const schema = parts.length > 1 ? parts[parts.length - 2]!.toLowerCase() : undefined;
  if (name === 'set_config') {
    setConfig(call.args, fx);
    return;
  }
  const defined = objects.functions.get(name);
  if (defined && schema !== 'pg_catalog') {
    inlineFunction(defined, fx, objects, options);
    return;
  }
  if (schema === 'pg_catalog' || (BUILTIN_FUNCTIONS.has(name) && (schema === undefined || schema === 'public' || schema === 'extensions'))) return;
  fx.unknown(`${parts.join('.')}()`, 'call of a function dbctl cannot see into');
}

/** `set_config('search_path', 'a, b', is_local)`: a search_path change when constant, else opaque. */
function setConfig(args: any[] | undefined, fx: Effects): void {
  const setting = args?.[0]?.A_Const?.sval?.sval;
  if (typeof setting === 'string' && setting.toLowerCase() !== 'search_path') return;
  const value = args?.[1]?.A_Const?.sval?.sval;
  if (setting === undefined || typeof value !== 'string') {
    fx.unknown('set_config()', 'set_config with a computed setting');
    return;
  }
  currentSearchPath = parseSearchPath(value);
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

/** Runs the body of a function defined earlier in the migration into `fx`. */
function inlineFunction(fn: FunctionDefinition, fx: Effects, objects: NewObjects, options: ClassifyOptions): void {
  if (objects.active.has(fn.name)) return;
  objects.active.add(fn.name);
  try {
    if (fn.language === 'plpgsql') {
      const parsed = objects.parser?.parsePlpgsql(fn.text);
      if (!parsed || 'error' in parsed) {
        fx.unknown(`${fn.name}()`, 'call of a PL/pgSQL function whose body dbctl cannot parse');
        return;
      }
      for (const f of parsed.functions) runPlpgsql(plpgsqlItems(f), fx, objects, options);
    } else if (fn.language === 'sql') {
      if (fn.sqlBody) {
        walk(fn.sqlBody, (key, value) => {
          if (/Stmt$/.test(key)) {
            runStatement(key, value, fx, objects, options);
            return false;
          }
          return undefined;
        });
      } else runSqlText(fn.body ?? '', fx, objects, options, `${fn.name}()`);
    } else {
      fx.unknown(`${fn.name}()`, `call of a ${fn.language} function`);
    }
  } finally {
    objects.active.delete(fn.name);
  }
}

/** Parses SQL text found inside another statement and runs each statement into `fx`; returns summaries. */
function runSqlText(text: string, fx: Effects, objects: NewObjects, options: ClassifyOptions, where: string): string[] {
  const parsed = objects.parser?.parse(text);
  if (!parsed || 'error' in parsed) {
    fx.unknown(where, 'SQL dbctl cannot parse');
    return [];
  }
  const summaries: string[] = [];
  const outer = objects.text;
  for (const statement of parsed.statements) {
    objects.text = statement.text;
    summaries.push(runStatement(statement.kind, statement.node[statement.kind], fx, objects, options) ?? fallbackSummary(statement.text));
  }
  objects.text = outer;
  return summaries;
}

/** Runs what a PL/pgSQL body runs into `fx`; returns the summaries of its SQL statements. */
function runPlpgsql(items: PlpgsqlItem[], fx: Effects, objects: NewObjects, options: ClassifyOptions): string[] {
  const summaries: string[] = [];
  for (const item of items) {
    switch (item.kind) {
      case 'sql':
        summaries.push(...runSqlText(item.text, fx, objects, options, 'PL/pgSQL statement'));
        break;
      case 'expr': {
        const text = item.assign ? assignedExpression(item.text) : item.text;
        const parsed = objects.parser?.parse(`SELECT ${text}`);
        if (!parsed || 'error' in parsed) fx.unknown('PL/pgSQL expression', 'an expression dbctl cannot parse');
        else for (const s of parsed.statements) seeInside(s.node, fx, objects, options);
        break;
      }
      case 'dynamic': {
        const constant = constantString(item.text, objects);
        if (constant === undefined) fx.unknown('EXECUTE', 'dynamic EXECUTE of a computed string');
        else summaries.push(...runSqlText(constant, fx, objects, options, 'EXECUTE'));
        break;
      }
      case 'opaque':
        fx.unknown(item.what, `PL/pgSQL ${item.what} dbctl cannot see into`);
        break;
    }
  }
  return summaries;
}

/** The right-hand side of a PL/pgSQL assignment (`x := expr` or `x = expr`). */
function assignedExpression(text: string): string {
  const walrus = text.indexOf(':=');
  if (walrus >= 0) return text.slice(walrus + 2);
  const equals = text.indexOf('=');
  return equals >= 0 ? text.slice(equals + 1) : text;
}

/** The value of an expression that is one string literal (`'TRUNCATE posts'`), else undefined. */
function constantString(expression: string, objects: NewObjects): string | undefined {
  const parsed = objects.parser?.parse(`SELECT ${expression}`);
  if (!parsed || 'error' in parsed || parsed.statements.length !== 1) return undefined;
  const select = parsed.statements[0]!.node?.SelectStmt;
  const targets = select?.targetList ?? [];
  if (targets.length !== 1 || select.fromClause || select.whereClause) return undefined;
  const value = targets[0]?.ResTarget?.val?.A_Const?.sval?.sval;
  return typeof value === 'string' ? value : undefined;
}

type Handler = (body: any, fx: Effects, objects: NewObjects, options: ClassifyOptions) => string;

/** A readable one-line start of a statement, for kinds without a dedicated summary. */
function fallbackSummary(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

const columnKey = (table: string, column: string) => `${table}.${column}`;

function knownColumnType(objects: NewObjects, options: ClassifyOptions, table: string, column: string): TypeInfo | undefined {
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
function optionOn(options: any[] | undefined, name: string): boolean {
  for (const option of options ?? []) {
    const elem = option?.DefElem;
    if (String(elem?.defname ?? '').toLowerCase() !== name) continue;
    const arg = elem.arg;
    if (!arg) return true;
    // the parser's JSON omits zero values: `FULL 0` arrives as `{ Integer: {} }`
    if (arg.Integer) return Number(arg.Integer.ival ?? 0) !== 0;
    if (arg.Boolean) return Boolean(arg.Boolean.boolval);
    const value = String(arg.String?.sval ?? 'true').toLowerCase();
    return !['false', 'off', 'no', '0'].includes(value);
  }
  return false;
}

const HANDLERS: Record<string, Handler> = {
  CreateStmt(body, fx, objects) {
    const table = rangeVarName(body.relation);
    objects.tables.add(table.qualified);
    fx.touch(table.qualified);
    fx.create({ kind: 'table', schema: table.schema, name: table.name });
    const { columns, constraints } = createTableElements(body);
    for (const column of columns) {
      const name = String(column.colname);
      objects.columns.add(columnKey(table.qualified, name));
      objects.columnTypes.set(columnKey(table.qualified, name), typeInfo(column.typeName));
      fx.create({ kind: 'column', schema: table.schema, table: table.name, name });
      for (const c of columnConstraints(column)) if (c.contype === 'CONSTR_FOREIGN' && c.pktable) fx.lock('SHARE ROW EXCLUSIVE', rangeVarName(c.pktable).qualified);
    }
    for (const c of constraints) if (c.contype === 'CONSTR_FOREIGN' && c.pktable) fx.lock('SHARE ROW EXCLUSIVE', rangeVarName(c.pktable).qualified);
    for (const parent of body.inhRelations ?? []) fx.lock('ACCESS EXCLUSIVE', rangeVarName(parent).qualified);
    return `CREATE TABLE ${table.qualified}${body.partbound && body.inhRelations?.length ? ` PARTITION OF ${rangeVarName(body.inhRelations[0]).qualified}` : ''}`;
  },

  CreateTableAsStmt(body, fx, objects) {
    const table = rangeVarName(body.into?.rel);
    objects.tables.add(table.qualified);
    fx.touch(table.qualified);
    const matview = body.objtype === 'OBJECT_MATVIEW';
    fx.create({ kind: matview ? 'materialized view' : 'table', schema: table.schema, name: table.name });
    return `CREATE ${matview ? 'MATERIALIZED VIEW' : 'TABLE'} ${table.qualified} AS ...`;
  },

  ViewStmt(body, fx) {
    const view = rangeVarName(body.view);
    fx.create({ kind: 'view', schema: view.schema, name: view.name });
    return `CREATE VIEW ${view.qualified}`;
  },

  AlterTableStmt(body, fx, objects, options) {
    const target = rangeVarName(body.relation);
    const table = target.qualified;
    const objtype: string = body.objtype ?? 'OBJECT_TABLE';
    const phrases: string[] = [];
    if (objtype !== 'OBJECT_TABLE' && objtype !== 'OBJECT_MATVIEW' && objtype !== 'OBJECT_FOREIGN_TABLE') {
      fx.lock('ACCESS EXCLUSIVE', table);
      const what = objtype.replace(/^OBJECT_/, '').replace(/_/g, ' ');
      return `ALTER ${what} ${table}`;
    }
    fx.touch(table);
    objects.alterTarget = target;
    for (const wrapped of body.cmds ?? []) {
      const cmd = wrapped.AlterTableCmd ?? {};
      phrases.push(alterTableCmd(cmd, table, target.schema, target.name, fx, objects, options));
    }
    return `ALTER TABLE ${table} ${phrases.join(', ')}`;
  },

  RenameStmt(body, fx, objects) {
    const type: string = body.renameType;
    const newName = String(body.newname);
    if (body.relation) {
      const rel = rangeVarName(body.relation);
      if (type === 'OBJECT_TABLE' || type === 'OBJECT_VIEW' || type === 'OBJECT_MATVIEW' || type === 'OBJECT_FOREIGN_TABLE') {
        fx.lock('ACCESS EXCLUSIVE', rel.qualified);
        const renamed = qualify(rel.schema, newName).qualified;
        if (objects.tables.has(rel.qualified)) {
          objects.tables.delete(rel.qualified);
          objects.tables.add(renamed);
          fx.create({ kind: 'table', schema: rel.schema, name: newName });
        } else moveTable(objects, rel, renamed);
        return `ALTER TABLE ${rel.qualified} RENAME TO ${newName}`;
      }
      if (type === 'OBJECT_COLUMN') {
        fx.lock('ACCESS EXCLUSIVE', rel.qualified);
        renameColumn(objects, rel, String(body.subname), newName);
        return `ALTER TABLE ${rel.qualified} RENAME COLUMN ${body.subname} TO ${newName}`;
      }
      if (type === 'OBJECT_TABCONSTRAINT') {
        fx.lock('ACCESS EXCLUSIVE', rel.qualified);
        return `ALTER TABLE ${rel.qualified} RENAME CONSTRAINT ${body.subname} TO ${newName}`;
      }
      if (type === 'OBJECT_INDEX') {
        fx.lock('SHARE UPDATE EXCLUSIVE', objects.indexes.get(rel.qualified));
        return `ALTER INDEX ${rel.qualified} RENAME TO ${newName}`;
      }
      fx.lock('ACCESS EXCLUSIVE', rel.qualified);
      return `RENAME ${rel.qualified} TO ${newName}`;
    }
    const what = type.replace(/^OBJECT_/, '').replace(/_/g, ' ');
    return `ALTER ${what} RENAME TO ${newName}`;
  },

  IndexStmt(body, fx, objects) {
    const table = rangeVarName(body.relation);
    const name = body.idxname ? qualify(table.schema, String(body.idxname)) : undefined;
    const unique = body.unique ? 'UNIQUE ' : '';
    if (body.concurrent) {
      fx.transactional = false;
      fx.lock('SHARE UPDATE EXCLUSIVE', table.qualified, { scans: true });
    } else {
      fx.lock('SHARE', table.qualified, { scans: true });
    }
    if (name) {
      objects.indexes.set(name.qualified, table.qualified);
      fx.create({ kind: 'index', schema: table.schema, table: table.name, name: name.name });
    }
    return `CREATE ${unique}INDEX${body.concurrent ? ' CONCURRENTLY' : ''}${name ? ` ${name.name}` : ''} ON ${table.qualified}`;
  },

  DropStmt(body, fx, objects) {
    const removeType: string = body.removeType;
    const cascade = body.behavior === 'DROP_CASCADE';
    const names = (body.objects ?? []).map((o: any) => objectName(o));
    const list = names.map((n: { qualified: string }) => n.qualified).join(', ');
    const what = removeType.replace(/^OBJECT_/, '').replace(/_/g, ' ');
    const suffix = cascade ? ' CASCADE' : '';
    switch (removeType) {
      case 'OBJECT_TABLE':
      case 'OBJECT_FOREIGN_TABLE':
        for (const n of names) {
          fx.lock('ACCESS EXCLUSIVE', n.qualified);
          if (objects.tables.has(n.qualified)) objects.tables.delete(n.qualified);
          else if (removeType === 'OBJECT_TABLE') fx.destroy({ kind: 'table', schema: n.schema, table: n.name, reason: `DROP TABLE${suffix}`, ...(cascade ? { cascade } : {}) }, n);
        }
        return `DROP TABLE ${list}${suffix}`;
      case 'OBJECT_MATVIEW':
      case 'OBJECT_VIEW':
        for (const n of names) {
          if (objects.tables.has(n.qualified)) objects.tables.delete(n.qualified);
          else fx.lock('ACCESS EXCLUSIVE', n.qualified);
        }
        return `DROP ${what} ${list}${suffix}`;
      case 'OBJECT_INDEX':
        for (const n of names) {
          const table = objects.indexes.get(n.qualified);
          if (body.concurrent) fx.lock('SHARE UPDATE EXCLUSIVE', table);
          else fx.lock('ACCESS EXCLUSIVE', table);
          objects.indexes.delete(n.qualified);
        }
        if (body.concurrent) fx.transactional = false;
        return `DROP INDEX${body.concurrent ? ' CONCURRENTLY' : ''} ${list}`;
      case 'OBJECT_SCHEMA':
        for (const n of names) {
          const schema = n.name;
          if (objects.schemas.has(schema)) objects.schemas.delete(schema);
          else fx.destroy({ kind: 'schema', schema, name: schema, reason: `DROP SCHEMA${suffix}`, ...(cascade ? { cascade } : {}) });
        }
        return `DROP SCHEMA ${names.map((n: { name: string }) => n.name).join(', ')}${suffix}`;
      case 'OBJECT_TYPE':
      case 'OBJECT_DOMAIN':
        for (const n of names) {
          if (objects.types.has(n.qualified)) objects.types.delete(n.qualified);
          else fx.destroy({ kind: 'type', schema: n.schema, name: n.name, reason: `DROP ${what}${suffix}`, ...(cascade ? { cascade } : {}) }, n);
        }
        return `DROP ${what} ${list}${suffix}`;
      case 'OBJECT_SEQUENCE':
        for (const n of names) {
          if (objects.sequences.has(n.qualified)) objects.sequences.delete(n.qualified);
          else fx.destroy({ kind: 'other', schema: n.schema, name: n.name, reason: 'DROP SEQUENCE' });
        }
        return `DROP SEQUENCE ${list}${suffix}`;
      case 'OBJECT_EXTENSION':
        if (cascade) for (const n of names) fx.destroy({ kind: 'other', schema: 'public', name: n.name, reason: 'DROP EXTENSION CASCADE', cascade });
        return `DROP EXTENSION ${names.map((n: { name: string }) => n.name).join(', ')}${suffix}`;
      case 'OBJECT_TRIGGER':
      case 'OBJECT_POLICY':
      case 'OBJECT_RULE': {
        for (const o of body.objects ?? []) {
          const parts = stringList(o?.List?.items);
          if (parts.length >= 2) fx.lock('ACCESS EXCLUSIVE', qualify(parts.length > 2 ? parts[0] : undefined, parts[parts.length - 2]!).qualified);
        }
        return `DROP ${what} ${list}`;
      }
      default:
        // CASCADE through a function, collation, operator, ... can drop columns (generated ones,
        // ones of that collation) and indexes: the live side follows pg_depend.
        if (cascade && CASCADING_DROPS.has(removeType)) {
          for (const n of names) fx.destroy({ kind: 'other', schema: n.schema, name: n.name, reason: `DROP ${what} CASCADE`, cascade }, n);
        }
        return `DROP ${what} ${list}${suffix}`;
    }
  },

  DropdbStmt(body, fx) {
    fx.transactional = false;
    fx.destroy({ kind: 'other', schema: '', name: String(body.dbname), reason: 'DROP DATABASE' });
    return `DROP DATABASE ${body.dbname}`;
  },

  CreatedbStmt(body, fx) {
    fx.transactional = false;
    return `CREATE DATABASE ${body.dbname}`;
  },

  AlterDatabaseStmt(body, fx) {
    if (defElemNames(body.options).has('tablespace')) fx.transactional = false;
    return `ALTER DATABASE ${body.dbname}`;
  },

  AlterSystemStmt(body, fx) {
    fx.transactional = false;
    return `ALTER SYSTEM SET ${body.setstmt?.name ?? ''}`.trim();
  },

  CreateTableSpaceStmt(body, fx) {
    fx.transactional = false;
    return `CREATE TABLESPACE ${body.tablespacename}`;
  },

  DropTableSpaceStmt(body, fx) {
    fx.transactional = false;
    return `DROP TABLESPACE ${body.tablespacename}`;
  },

  CreateSubscriptionStmt(body, fx) {
    fx.transactional = false;
    return `CREATE SUBSCRIPTION ${body.subname}`;
  },

  DropSubscriptionStmt(body, fx) {
    fx.transactional = false;
    return `DROP SUBSCRIPTION ${body.subname}`;
  },

  TruncateStmt(body, fx, objects) {
    const cascade = body.behavior === 'DROP_CASCADE';
    const names = (body.relations ?? []).map((r: any) => rangeVarName(r));
    for (const n of names) {
      fx.lock('ACCESS EXCLUSIVE', n.qualified);
      if (!objects.tables.has(n.qualified)) fx.destroy({ kind: 'rows', schema: n.schema, table: n.name, reason: cascade ? 'TRUNCATE CASCADE' : 'TRUNCATE', ...(cascade ? { cascade } : {}) }, n);
    }
    return `TRUNCATE ${names.map((n: { qualified: string }) => n.qualified).join(', ')}${cascade ? ' CASCADE' : ''}`;
  },

  DeleteStmt(body, fx, objects) {
    const table = rangeVarName(body.relation);
    if (!body.whereClause) {
      fx.lock('ROW EXCLUSIVE', table.qualified, { scans: true, blocks: 'writes' });
      if (!objects.tables.has(table.qualified)) fx.destroy({ kind: 'rows', schema: table.schema, table: table.name, reason: 'DELETE without WHERE' }, table);
      return `DELETE FROM ${table.qualified} (every row)`;
    }
    fx.lock('ROW EXCLUSIVE', table.qualified);
    fx.modify(table);
    return `DELETE FROM ${table.qualified} WHERE ...`;
  },

  UpdateStmt(body, fx, objects) {
    const table = rangeVarName(body.relation);
    const columns = (body.targetList ?? []).map((t: any) => String(t?.ResTarget?.name ?? '?'));
    if (!body.whereClause) {
      fx.lock('ROW EXCLUSIVE', table.qualified, { scans: true, rewrites: true, blocks: 'writes' });
      if (!objects.tables.has(table.qualified)) {
        for (const column of new Set<string>(columns)) {
          if (!objects.columns.has(columnKey(table.qualified, column))) {
            fx.destroy({ kind: 'column', schema: table.schema, table: table.name, column, reason: 'UPDATE without WHERE' }, table);
          }
        }
      }
      return `UPDATE ${table.qualified} SET ${columns.join(', ')} (every row)`;
    }
    fx.lock('ROW EXCLUSIVE', table.qualified);
    fx.modify(table);
    return `UPDATE ${table.qualified} SET ${columns.join(', ')} WHERE ...`;
  },

  InsertStmt(body, fx) {
    const table = rangeVarName(body.relation);
    fx.lock('ROW EXCLUSIVE', table.qualified);
    if (body.onConflictClause?.action === 'ONCONFLICT_UPDATE') fx.modify(table);
    return `INSERT INTO ${table.qualified}`;
  },

  MergeStmt(body, fx) {
    const table = rangeVarName(body.relation);
    fx.lock('ROW EXCLUSIVE', table.qualified);
    fx.modify(table);
    return `MERGE INTO ${table.qualified}`;
  },

  CopyStmt(body, fx) {
    const table = body.relation ? rangeVarName(body.relation).qualified : undefined;
    if (table) fx.lock(body.is_from ? 'ROW EXCLUSIVE' : 'ACCESS SHARE', table);
    return `COPY ${table ?? '(query)'} ${body.is_from ? 'FROM' : 'TO'} ...`;
  },

  SelectStmt() {
    return 'SELECT ...';
  },

  CreateEnumStmt(body, fx, objects) {
    const name = typeQualifiedName(body.typeName);
    objects.types.add(name.qualified);
    fx.create({ kind: 'type', schema: name.schema, name: name.name });
    return `CREATE TYPE ${name.qualified} AS ENUM (${stringList(body.vals).map((v) => `'${v}'`).join(', ')})`;
  },

  CompositeTypeStmt(body, fx, objects) {
    const name = rangeVarName(body.typevar);
    objects.types.add(name.qualified);
    fx.create({ kind: 'type', schema: name.schema, name: name.name });
    return `CREATE TYPE ${name.qualified} AS (...)`;
  },

  CreateDomainStmt(body, fx, objects) {
    const name = typeQualifiedName(body.domainname);
    objects.types.add(name.qualified);
    fx.create({ kind: 'type', schema: name.schema, name: name.name });
    return `CREATE DOMAIN ${name.qualified}`;
  },

  CreateRangeStmt(body, fx, objects) {
    const name = typeQualifiedName(body.typeName);
    objects.types.add(name.qualified);
    fx.create({ kind: 'type', schema: name.schema, name: name.name });
    return `CREATE TYPE ${name.qualified} AS RANGE`;
  },

  AlterEnumStmt(body) {
    const name = typeQualifiedName(body.typeName);
    if (body.oldVal) return `ALTER TYPE ${name.qualified} RENAME VALUE '${body.oldVal}' TO '${body.newVal}'`;
    return `ALTER TYPE ${name.qualified} ADD VALUE '${body.newVal}'`;
  },

  CreateSchemaStmt(body, fx, objects) {
    const schema = String(body.schemaname ?? body.authrole?.RoleSpec?.rolename ?? '?');
    objects.schemas.add(schema);
    fx.create({ kind: 'schema', schema, name: schema });
    return `CREATE SCHEMA ${schema}`;
  },

  CreateSeqStmt(body, fx, objects) {
    const name = rangeVarName(body.sequence);
    objects.sequences.add(name.qualified);
    fx.create({ kind: 'sequence', schema: name.schema, name: name.name });
    return `CREATE SEQUENCE ${name.qualified}`;
  },

  AlterSeqStmt(body) {
    return `ALTER SEQUENCE ${rangeVarName(body.sequence).qualified}`;
  },

  CreateExtensionStmt(body, fx) {
    fx.create({ kind: 'extension', schema: 'public', name: String(body.extname) });
    return `CREATE EXTENSION ${body.extname}`;
  },

  CreateTrigStmt(body, fx) {
    const table = rangeVarName(body.relation);
    fx.lock('SHARE ROW EXCLUSIVE', table.qualified);
    return `CREATE TRIGGER ${body.trigname} ON ${table.qualified}`;
  },

  CreatePolicyStmt(body, fx) {
    const table = rangeVarName(body.table);
    fx.lock('ACCESS EXCLUSIVE', table.qualified);
    return `CREATE POLICY ${body.policy_name} ON ${table.qualified}`;
  },

  TransactionStmt(body, fx) {
    const kind: string = body.kind ?? '';
    if (kind === 'TRANS_STMT_COMMIT_PREPARED' || kind === 'TRANS_STMT_ROLLBACK_PREPARED') fx.transactional = false;
    const words: Record<string, string> = {
      TRANS_STMT_BEGIN: 'BEGIN',
      TRANS_STMT_START: 'START TRANSACTION',
      TRANS_STMT_COMMIT: 'COMMIT',
      TRANS_STMT_ROLLBACK: 'ROLLBACK',
      TRANS_STMT_SAVEPOINT: 'SAVEPOINT',
      TRANS_STMT_RELEASE: 'RELEASE SAVEPOINT',
      TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO SAVEPOINT',
      TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
      TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
      TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
    };
    return words[kind] ?? 'transaction control';
  },

  VariableSetStmt(body) {
    if (body.name === 'search_path' || body.kind === 'VAR_RESET_ALL') trackSearchPath(body);
    if (body.kind === 'VAR_RESET' || body.kind === 'VAR_RESET_ALL') return `RESET ${body.name ?? 'ALL'}`;
    return `SET ${body.is_local ? 'LOCAL ' : ''}${body.name ?? ''}`.trim();
  },

  VacuumStmt(body, fx) {
    const rels = (body.rels ?? []).map((r: any) => rangeVarName(r?.VacuumRelation?.relation).qualified);
    if (!body.is_vacuumcmd) {
      for (const rel of rels) fx.lock('SHARE UPDATE EXCLUSIVE', rel, { scans: true });
      return `ANALYZE ${rels.join(', ')}`.trim();
    }
    fx.transactional = false;
    // option values are read: `VACUUM (FULL false)` is a plain VACUUM
    const full = optionOn(body.options, 'full');
    // no table named: every table of the database (undefined target = tables not named)
    for (const rel of rels.length ? rels : [undefined]) {
      if (full) fx.lock('ACCESS EXCLUSIVE', rel, { rewrites: true });
      else fx.lock('SHARE UPDATE EXCLUSIVE', rel, { scans: true });
    }
    return `VACUUM${full ? ' FULL' : ''} ${rels.join(', ')}`.trim();
  },

  ClusterStmt(body, fx) {
    if (!body.relation) {
      // a bare CLUSTER re-clusters every previously clustered table of the database, each under ACCESS EXCLUSIVE
      fx.transactional = false;
      fx.lock('ACCESS EXCLUSIVE', undefined, { rewrites: true });
      return 'CLUSTER (every clustered table)';
    }
    const table = rangeVarName(body.relation).qualified;
    fx.lock('ACCESS EXCLUSIVE', table, { rewrites: true });
    return `CLUSTER ${table}`;
  },

  ReindexStmt(body, fx, objects) {
    const concurrently = optionOn(body.params, 'concurrently');
    const kind: string = body.kind ?? '';
    const target = body.relation ? rangeVarName(body.relation).qualified : String(body.name ?? '');
    const whole = kind === 'REINDEX_OBJECT_SCHEMA' || kind === 'REINDEX_OBJECT_DATABASE' || kind === 'REINDEX_OBJECT_SYSTEM';
    if (concurrently || whole) fx.transactional = false;
    const lockTarget = kind === 'REINDEX_OBJECT_INDEX' ? objects.indexes.get(target) ?? target : whole ? undefined : target;
    const newSchema = kind === 'REINDEX_OBJECT_SCHEMA' && objects.schemas.has(target);
    if (concurrently) fx.lock('SHARE UPDATE EXCLUSIVE', lockTarget, { scans: true });
    else if (!newSchema) {
      // SHARE on the table blocks writes; ACCESS EXCLUSIVE on the index blocks every read that plans
      // with it (the planner locks all indexes of the table), so reads block too. A schema or
      // database reindexes each of its tables that way in turn.
      fx.lock('ACCESS EXCLUSIVE', lockTarget, { scans: true });
    }
    const what = kind.replace(/^REINDEX_OBJECT_/, '');
    return `REINDEX ${what}${concurrently ? ' CONCURRENTLY' : ''} ${target}`.trim();
  },

  RefreshMatViewStmt(body, fx) {
    const view = rangeVarName(body.relation).qualified;
    // CONCURRENTLY takes EXCLUSIVE, which leaves reads alone (a materialized view takes no writes)
    if (body.concurrent) fx.lock('EXCLUSIVE', view, { scans: true, blocks: 'nothing' });
    else fx.lock('ACCESS EXCLUSIVE', view, { scans: true });
    return `REFRESH MATERIALIZED VIEW${body.concurrent ? ' CONCURRENTLY' : ''} ${view}`;
  },

  LockStmt(body, fx) {
    const mode = Number(body.mode ?? 8);
    const level = LOCK_LEVELS[Math.min(Math.max(mode, 1), 8) - 1]!;
    const tables = (body.relations ?? []).map((r: any) => rangeVarName(r).qualified);
    for (const table of tables) fx.lock(level, table);
    return `LOCK TABLE ${tables.join(', ')} IN ${level} MODE`;
  },

  DoStmt(body, fx, objects, options) {
    const language = (body.args ?? []).find((a: any) => a?.DefElem?.defname === 'language')?.DefElem?.arg?.String?.sval;
    if (language && String(language).toLowerCase() !== 'plpgsql') {
      fx.unknown('DO block', `DO block in ${language}`);
      return `DO block (LANGUAGE ${language})`;
    }
    const parsed = options.parser?.parsePlpgsql(objects.text);
    if (!parsed || 'error' in parsed) {
      fx.unknown('DO block', 'a DO block dbctl cannot parse');
      return 'DO block';
    }
    const summaries = parsed.functions.flatMap((f) => runPlpgsql(plpgsqlItems(f), fx, objects, options));
    return summaries.length ? `DO block: ${summaries.join('; ')}` : 'DO block';
  },

  CreateFunctionStmt(body, fx, objects) {
    const parts = stringList(body.funcname);
    const name = (parts[parts.length - 1] ?? '?').toLowerCase();
    let language = 'sql';
    let text: string | undefined;
    for (const option of body.options ?? []) {
      const def = option?.DefElem;
      if (def?.defname === 'language') language = String(def.arg?.String?.sval ?? 'sql').toLowerCase();
      if (def?.defname === 'as') text = def.arg?.List ? stringList(def.arg.List.items)[0] : def.arg?.String?.sval;
    }
    objects.functions.set(name, { name, language, text: objects.text, body: text, sqlBody: body.sql_body });
    fx.create({ kind: body.is_procedure ? 'procedure' : 'function', schema: parts.length > 1 ? parts[parts.length - 2]! : 'public', name });
    return `CREATE ${body.is_procedure ? 'PROCEDURE' : 'FUNCTION'} ${parts.join('.')}`;
  },

  CallStmt(body, fx, objects, options) {
    const parts = stringList(body.funccall?.funcname);
    const defined = objects.functions.get((parts[parts.length - 1] ?? '').toLowerCase());
    if (defined) inlineFunction(defined, fx, objects, options);
    else fx.unknown(`${parts.join('.')}()`, 'CALL of a procedure dbctl cannot see into');
    for (const arg of body.funccall?.args ?? []) seeInside(arg, fx, objects, options);
    return `CALL ${parts.join('.')}`;
  },

  PrepareStmt(body, _fx, objects) {
    const query = body.query ?? {};
    const kind = Object.keys(query)[0];
    if (kind) objects.prepared.set(String(body.name), { kind, body: query[kind] });
    return `PREPARE ${body.name}`;
  },

  ExecuteStmt(body, fx, objects, options) {
    const prepared = objects.prepared.get(String(body.name));
    if (prepared) runStatement(prepared.kind, prepared.body, fx, objects, options);
    else fx.unknown(`EXECUTE ${body.name}`, 'EXECUTE of a statement prepared outside the migration');
    return `EXECUTE ${body.name}`;
  },

  ExplainStmt(body, fx, objects, options) {
    const analyze = defElemNames(body.options).has('analyze');
    const query = body.query ?? {};
    const kind = Object.keys(query)[0];
    if (analyze && kind) runStatement(kind, query[kind], fx, objects, options);
    return `EXPLAIN${analyze ? ' ANALYZE' : ''}`;
  },

  AlterObjectSchemaStmt(body, fx, objects) {
    const type: string = body.objectType ?? '';
    if (body.relation && (type === 'OBJECT_TABLE' || type === 'OBJECT_FOREIGN_TABLE' || type === 'OBJECT_VIEW' || type === 'OBJECT_MATVIEW')) {
      const rel = rangeVarName(body.relation);
      fx.lock('ACCESS EXCLUSIVE', rel.qualified);
      const moved = astQualify(String(body.newschema), rel.name).qualified;
      if (objects.tables.has(rel.qualified)) {
        objects.tables.delete(rel.qualified);
        objects.tables.add(moved);
      } else moveTable(objects, rel, moved);
      return `ALTER TABLE ${rel.qualified} SET SCHEMA ${body.newschema}`;
    }
    return `ALTER ${type.replace(/^OBJECT_/, '').replace(/_/g, ' ')} SET SCHEMA ${body.newschema}`;
  },

  DropOwnedStmt(_body, fx) {
    fx.unknown('DROP OWNED', 'DROP OWNED drops every object of a role');
    return 'DROP OWNED';
  },

  CommentStmt(body) {
    return `COMMENT ON ${String(body.objtype ?? '').replace(/^OBJECT_/, '')}`;
  },
};

/** DROP ... CASCADE of these can reach columns or indexes through pg_depend. */
const CASCADING_DROPS = new Set([
  'OBJECT_FUNCTION',
  'OBJECT_PROCEDURE',
  'OBJECT_ROUTINE',
  'OBJECT_COLLATION',
  'OBJECT_OPERATOR',
  'OBJECT_OPCLASS',
  'OBJECT_OPFAMILY',
  'OBJECT_ACCESS_METHOD',
  'OBJECT_TSCONFIGURATION',
  'OBJECT_TSDICTIONARY',
  'OBJECT_CONVERSION',
  'OBJECT_FOREIGN_SERVER',
  'OBJECT_FDW',
]);

/** An existing table renamed or moved: its new name still means the table as it was before. */
function moveTable(objects: NewObjects, from: Name, to: string): void {
  const origin = objects.origin(from);
  objects.origins.delete(from.qualified);
  objects.origins.set(to, origin);
}

/** A column renamed: a new column keeps being new; an existing one keeps its name from before. */
function renameColumn(objects: NewObjects, table: Name, from: string, to: string): void {
  const oldKey = columnKey(table.qualified, from);
  if (objects.columns.has(oldKey)) {
    objects.columns.delete(oldKey);
    objects.columns.add(columnKey(table.qualified, to));
    const type = objects.columnTypes.get(oldKey);
    objects.columnTypes.delete(oldKey);
    if (type) objects.columnTypes.set(columnKey(table.qualified, to), type);
    return;
  }
  if (objects.tables.has(table.qualified)) return;
  const origin = objects.origin(table);
  const base = `${origin.schema}.${origin.table}`;
  const before = objects.columnOrigins.get(`${base}.${from}`) ?? from;
  objects.columnOrigins.delete(`${base}.${from}`);
  objects.columnOrigins.set(`${base}.${to}`, before);
  const type = objects.columnTypes.get(oldKey);
  if (type) {
    objects.columnTypes.delete(oldKey);
    objects.columnTypes.set(columnKey(table.qualified, to), type);
  }
}

/** `SET search_path ...`, `RESET search_path`, `SET search_path TO DEFAULT`, `RESET ALL`. */
function trackSearchPath(body: any): void {
  if (body.kind === 'VAR_SET_VALUE') {
    const entries: string[] = [];
    for (const arg of body.args ?? []) {
      const value = arg?.A_Const?.sval?.sval;
      if (typeof value === 'string') entries.push(...(value.includes(',') ? parseSearchPath(value) : [value]));
    }
    currentSearchPath = entries;
  } else if (body.kind === 'VAR_RESET' || body.kind === 'VAR_RESET_ALL' || body.kind === 'VAR_SET_DEFAULT') {
    currentSearchPath = null;
  }
}

/** Classifies one ALTER TABLE sub-command; returns its phrase for the summary. */
function alterTableCmd(
  cmd: any,
  table: string,
  schema: string,
  tableName: string,
  fx: Effects,
  objects: NewObjects,
  options: ClassifyOptions,
): string {
  const subtype: string = cmd.subtype ?? '';
  const column: string = String(cmd.name ?? '');
  switch (subtype) {
    case 'AT_AddColumn': {
      const def = cmd.def?.ColumnDef ?? {};
      const name = String(def.colname ?? '?');
      const type = typeInfo(def.typeName);
      const constraints = columnConstraints(def);
      const volatility = defaultVolatility(columnDefault(def));
      const rewrites =
        volatility.volatile.length > 0 ||
        volatility.unknown.length > 0 ||
        SERIAL_TYPES.has(type.name) ||
        constraints.some((c) => c.contype === 'CONSTR_IDENTITY' || (c.contype === 'CONSTR_GENERATED' && c.generated_kind !== 'v'));
      const indexed = constraints.some((c) => c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE');
      const checked = constraints.some((c) => c.contype === 'CONSTR_CHECK' || c.contype === 'CONSTR_FOREIGN');
      fx.lock('ACCESS EXCLUSIVE', table, { rewrites, scans: indexed || checked });
      for (const c of constraints) if (c.contype === 'CONSTR_FOREIGN' && c.pktable) fx.lock('SHARE ROW EXCLUSIVE', rangeVarName(c.pktable).qualified);
      objects.columns.add(columnKey(table, name));
      objects.columnTypes.set(columnKey(table, name), type);
      fx.create({ kind: 'column', schema, table: tableName, name });
      return `ADD COLUMN ${name} ${type.display}`;
    }
    case 'AT_DropColumn': {
      fx.lock('ACCESS EXCLUSIVE', table);
      const key = columnKey(table, column);
      if (!objects.tables.has(table) && !objects.columns.has(key)) {
        const cascade = cmd.behavior === 'DROP_CASCADE';
        fx.destroy({ kind: 'column', schema, table: tableName, column, reason: 'DROP COLUMN', ...(cascade ? { cascade } : {}) }, objects.alterTarget);
      }
      objects.columns.delete(key);
      objects.columnTypes.delete(key);
      return `DROP COLUMN ${column}`;
    }
    case 'AT_AlterColumnType': {
      const def = cmd.def?.ColumnDef ?? {};
      const to = typeInfo(def.typeName);
      const key = columnKey(table, column);
      const from = knownColumnType(objects, options, table, column);
      objects.columnTypes.set(key, to);
      if (objects.tables.has(table)) return `ALTER COLUMN ${column} TYPE ${to.display}`;
      const effect = typeChangeEffect(from, to, !isPlainUsingCast(def.raw_default, column));
      fx.lock('ACCESS EXCLUSIVE', table, { rewrites: effect.rewrites });
      if (!effect.lossless && !objects.columns.has(key)) {
        fx.destroy({ kind: 'column', schema, table: tableName, column, reason: 'ALTER COLUMN TYPE' }, objects.alterTarget);
      }
      return `ALTER COLUMN ${column} TYPE ${to.display}`;
    }
    case 'AT_ColumnDefault':
      fx.lock('ACCESS EXCLUSIVE', table);
      return `ALTER COLUMN ${column} ${cmd.def ? 'SET' : 'DROP'} DEFAULT`;
    case 'AT_SetNotNull':
      fx.lock('ACCESS EXCLUSIVE', table, { scans: true });
      return `ALTER COLUMN ${column} SET NOT NULL`;
    case 'AT_DropNotNull':
      fx.lock('ACCESS EXCLUSIVE', table);
      return `ALTER COLUMN ${column} DROP NOT NULL`;
    case 'AT_AddConstraint': {
      const c = cmd.def?.Constraint ?? {};
      const name = c.conname ? ` ${c.conname}` : '';
      const notValid = Boolean(c.skip_validation);
      switch (c.contype) {
        case 'CONSTR_CHECK':
          fx.lock('ACCESS EXCLUSIVE', table, { scans: !notValid });
          return `ADD CONSTRAINT${name} CHECK${notValid ? ' NOT VALID' : ''}`;
        case 'CONSTR_FOREIGN': {
          const referenced = c.pktable ? rangeVarName(c.pktable).qualified : undefined;
          fx.lock('SHARE ROW EXCLUSIVE', table, { scans: !notValid });
          fx.lock('SHARE ROW EXCLUSIVE', referenced);
          return `ADD CONSTRAINT${name} FOREIGN KEY REFERENCES ${referenced ?? '?'}${notValid ? ' NOT VALID' : ''}`;
        }
        case 'CONSTR_PRIMARY':
        case 'CONSTR_UNIQUE':
        case 'CONSTR_EXCLUSION': {
          const kind = c.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : c.contype === 'CONSTR_UNIQUE' ? 'UNIQUE' : 'EXCLUDE';
          if (c.indexname) {
            // PRIMARY KEY USING INDEX makes the index's columns NOT NULL: a scan under ACCESS
            // EXCLUSIVE unless they already are (unknown counts as a scan)
            const index = qualify(schema, String(c.indexname)).qualified;
            const nullable = c.contype === 'CONSTR_PRIMARY' && !objects.tables.has(table) && options.indexColumnsNotNull?.(table, index) !== true;
            fx.lock('ACCESS EXCLUSIVE', table, { scans: nullable });
            return `ADD CONSTRAINT${name} ${kind} USING INDEX ${c.indexname}${nullable ? ' (SET NOT NULL scan)' : ''}`;
          }
          fx.lock('ACCESS EXCLUSIVE', table, { scans: true });
          if (c.conname) fx.create({ kind: 'index', schema, table: tableName, name: String(c.conname) });
          return `ADD CONSTRAINT${name} ${kind}`;
        }
        case 'CONSTR_NOTNULL':
          fx.lock('ACCESS EXCLUSIVE', table, { scans: !notValid });
          return `ADD CONSTRAINT${name} NOT NULL`;
        default:
          fx.lock('ACCESS EXCLUSIVE', table);
          return `ADD CONSTRAINT${name}`;
      }
    }
    case 'AT_ValidateConstraint':
      fx.lock('SHARE UPDATE EXCLUSIVE', table, { scans: true });
      return `VALIDATE CONSTRAINT ${column}`;
    case 'AT_DropConstraint':
      fx.lock('ACCESS EXCLUSIVE', table);
      return `DROP CONSTRAINT ${column}`;
    case 'AT_SetTableSpace':
    case 'AT_SetLogged':
    case 'AT_SetUnLogged':
    case 'AT_SetAccessMethod':
    case 'AT_SetExpression': {
      fx.lock('ACCESS EXCLUSIVE', table, { rewrites: true });
      const words: Record<string, string> = {
        AT_SetTableSpace: 'SET TABLESPACE',
        AT_SetLogged: 'SET LOGGED',
        AT_SetUnLogged: 'SET UNLOGGED',
        AT_SetAccessMethod: 'SET ACCESS METHOD',
        AT_SetExpression: `ALTER COLUMN ${column} SET EXPRESSION`,
      };
      return words[subtype]!;
    }
    case 'AT_SetStatistics':
    case 'AT_SetOptions':
    case 'AT_ResetOptions':
    case 'AT_ClusterOn':
    case 'AT_DropCluster':
    case 'AT_SetRelOptions':
    case 'AT_ResetRelOptions':
    case 'AT_ReplaceRelOptions':
      fx.lock('SHARE UPDATE EXCLUSIVE', table);
      return subtype.replace(/^AT_/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
    case 'AT_EnableTrig':
    case 'AT_EnableAlwaysTrig':
    case 'AT_EnableReplicaTrig':
    case 'AT_DisableTrig':
    case 'AT_EnableTrigAll':
    case 'AT_DisableTrigAll':
    case 'AT_EnableTrigUser':
    case 'AT_DisableTrigUser':
      fx.lock('SHARE ROW EXCLUSIVE', table);
      return `${subtype.startsWith('AT_Disable') ? 'DISABLE' : 'ENABLE'} TRIGGER ${column || 'ALL'}`;
    case 'AT_AttachPartition': {
      const partition = cmd.def?.PartitionCmd?.name ? rangeVarName(cmd.def.PartitionCmd.name).qualified : undefined;
      fx.lock('SHARE UPDATE EXCLUSIVE', table);
      fx.lock('ACCESS EXCLUSIVE', partition, { scans: true });
      return `ATTACH PARTITION ${partition ?? '?'}`;
    }
    case 'AT_DetachPartition': {
      const partition = cmd.def?.PartitionCmd?.name ? rangeVarName(cmd.def.PartitionCmd.name).qualified : undefined;
      if (cmd.def?.PartitionCmd?.concurrent) {
        fx.transactional = false;
        fx.lock('SHARE UPDATE EXCLUSIVE', table);
        return `DETACH PARTITION ${partition ?? '?'} CONCURRENTLY`;
      }
      fx.lock('ACCESS EXCLUSIVE', table);
      fx.lock('ACCESS EXCLUSIVE', partition);
      return `DETACH PARTITION ${partition ?? '?'}`;
    }
    default:
      fx.lock('ACCESS EXCLUSIVE', table);
      return subtype.replace(/^AT_/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase() + (column ? ` ${column}` : '');
  }
}
