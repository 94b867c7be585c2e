/**
 * The dispatcher over the statement families, and the statements that run other statements: nested
 * data-modifying statements, function calls (builtins, functions defined in the migration, opaque
 * others), DO blocks, CALL, PREPARE / EXECUTE, EXPLAIN ANALYZE, PL/pgSQL bodies and constant
 * `EXECUTE` strings.
 *
 * Pure: no fs, process or network.
 */
import { bodyOf, defElemNames, nodeOf, nodeType, stringList, unwrap, walk, type Pg } from '../../sql/ast.js';
import { alterTableHandlers } from './alter-table.js';
import { isBuiltinFunction } from './builtins.js';
import { createHandlers } from './create.js';
import { dmlHandlers } from './dml.js';
import { dropHandlers } from './drop.js';
import { fallbackSummary, type Effects, type FunctionDefinition, type Handlers, type NewObjects } from './effects.js';
import { indexHandlers } from './indexes.js';
import type { ClassifyOptions } from './model.js';
import { parseSearchPath, setSearchPath } from './names.js';
import { plpgsqlItems, type PlpgsqlItem } from './plpgsql.js';
import { renameHandlers } from './rename.js';
import { databaseHandlers, sessionHandlers } from './session.js';
import { userTypeHandlers } from './user-types.js';

/** DO, CALL, PREPARE, EXECUTE, EXPLAIN. */
export const executeHandlers: Handlers = {
  DoStmt(body, fx, objects, options) {
    const languageOption = (body.args ?? []).map((a) => nodeOf(a, 'DefElem')).find((d) => d?.defname === 'language');
    const language = nodeOf(languageOption?.arg, 'String')?.sval;
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

  CallStmt(body, fx, objects, options) {
    const parts = stringList(body.funccall?.funcname);
    const defined = objects.functions.get((parts[parts.length - 1] ?? '').toLowerCase());
    if (defined) inlineFunction(defined, fx, objects, options);
    else fx.unknown(`${parts.join('.')}()`, 'CALL of a procedure dbctl cannot see into');
    for (const arg of body.funccall?.args ?? []) seeInside(arg, fx, objects, options);
    return `CALL ${parts.join('.')}`;
  },

  PrepareStmt(body, _fx, objects) {
    const kind = nodeType(body.query ?? {});
    if (kind) objects.prepared.set(String(body.name), { kind, body: unwrap(body.query) });
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
    const kind = nodeType(body.query ?? {});
    if (analyze && kind) runStatement(kind, unwrap(body.query), fx, objects, options);
    return `EXPLAIN${analyze ? ' ANALYZE' : ''}`;
  },
};

/** THE table: every statement kind dbctl classifies, by family. Kinds not listed are safe, transactional and lock nothing known. */
const HANDLERS = {
  ...createHandlers,
  ...alterTableHandlers,
  ...renameHandlers,
  ...dropHandlers,
  ...dmlHandlers,
  ...indexHandlers,
  ...userTypeHandlers,
  ...sessionHandlers,
  ...databaseHandlers,
  ...executeHandlers,
} satisfies Handlers;

/**
 * The handler of a statement kind, taking the body as the parser gave it. The one cast of the
 * table: the parser's key names the body's type, so each handler gets the body it declares.
 */
function handlerOf(kind: string): ((body: unknown, fx: Effects, objects: NewObjects, options: ClassifyOptions) => string) | undefined {
  return (HANDLERS as Record<string, ((body: unknown, fx: Effects, objects: NewObjects, options: ClassifyOptions) => string) | undefined>)[
    kind
  ];
}

/** Statements that execute expressions (function calls) and may hold data-modifying sub-statements. */
const EXECUTING = new Set([
  'SelectStmt',
  'InsertStmt',
  'UpdateStmt',
  'DeleteStmt',
  'MergeStmt',
  'CopyStmt',
  'CreateTableAsStmt',
  'ReturnStmt',
  'PLAssignStmt',
]);
/** Data-modifying statements that may appear inside another (WITH d AS (DELETE ...) SELECT ...). */
const NESTED_DML = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** Runs one statement node (top level or nested) through the table; returns its summary. */
export function runStatement(kind: string, body: unknown, fx: Effects, objects: NewObjects, options: ClassifyOptions): string | undefined {
  const handler = handlerOf(kind);
  const summary = handler ? handler(body, fx, objects, options) : undefined;
  if (EXECUTING.has(kind)) seeInside(body, fx, objects, options);
  return summary;
}

/** Walks a statement for nested data-modifying statements and function calls. */
function seeInside(body: unknown, fx: Effects, objects: NewObjects, options: ClassifyOptions): void {
  walk(body, (key, value) => {
    if (NESTED_DML.has(key)) {
      runStatement(key, value, fx, objects, options);
      return false;
    }
    const call = bodyOf(key, value, 'FuncCall');
    if (call) functionCall(call, fx, objects, options);
    return undefined;
  });
}

/** A function call: builtins destroy nothing, functions defined in the migration are inlined, others are opaque. */
function functionCall(call: Pg.FuncCall, fx: Effects, objects: NewObjects, options: ClassifyOptions): void {
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
  if (isBuiltinFunction(parts)) return;
  fx.unknown(`${parts.join('.')}()`, 'call of a function dbctl cannot see into');
}

/** `set_config('search_path', 'a, b', is_local)`: a search_path change when constant, else opaque. */
function setConfig(args: readonly Pg.Node[] | undefined, fx: Effects): void {
  const setting = nodeOf(args?.[0], 'A_Const')?.sval?.sval;
  if (typeof setting === 'string' && setting.toLowerCase() !== 'search_path') return;
  const value = nodeOf(args?.[1], 'A_Const')?.sval?.sval;
  if (setting === undefined || typeof value !== 'string') {
    fx.unknown('set_config()', 'set_config with a computed setting');
    return;
  }
  setSearchPath(parseSearchPath(value));
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
    summaries.push(
      runStatement(statement.kind, unwrap(statement.node, statement.kind), fx, objects, options) ?? fallbackSummary(statement.text),
    );
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
  const select = nodeOf(parsed.statements[0]!.node, 'SelectStmt');
  const targets = select?.targetList ?? [];
  if (!select || targets.length !== 1 || select.fromClause || select.whereClause) return undefined;
  const value = nodeOf(nodeOf(targets[0], 'ResTarget')?.val, 'A_Const')?.sval?.sval;
  return typeof value === 'string' ? value : undefined;
}
