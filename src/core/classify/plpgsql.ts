/**
 * Walking a PL/pgSQL body (as PostgreSQL's PL/pgSQL parser returns it, through libpg-query) for what
 * it runs: the SQL statements it executes, the expressions it evaluates (which may call functions),
 * and what the analysis cannot see into (dynamic `EXECUTE` of a computed string, constructs it does
 * not know). Pure: the caller parses the embedded SQL.
 */

/** One thing a PL/pgSQL body runs. */
export type PlpgsqlItem =
  /** An SQL statement (`PLpgSQL_expr` in statement mode): parse it as SQL. */
  | { kind: 'sql'; text: string }
  /** An expression (`x > 1`) or an assignment (`x := ...`): parse it to find function calls and subqueries. */
  | { kind: 'expr'; text: string; assign: boolean }
  /** `EXECUTE <expr>`: a constant string can be parsed as SQL; anything else is opaque. */
  | { kind: 'dynamic'; text: string }
  /** Something the analysis does not know how to see into. */
  | { kind: 'opaque'; what: string };

/** Statement types whose only parts are the listed expression fields and nested statement lists. */
const EXPRESSION_FIELDS = ['cond', 'expr', 'query', 'sqlstmt', 'lower', 'upper', 'step', 't_expr', 'retvar'];
const BODY_FIELDS = ['body', 'then_body', 'else_body', 'stmts', 'action'];

/**
 * Reads a path of fields from the parser's PL/pgSQL JSON (no types ship for that tree, unlike the
 * SQL one): undefined as soon as a step is not an object.
 */
function get(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The elements of a JSON list (none when it is not one). */
function items(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Every item one PL/pgSQL function (`PLpgSQL_function`) runs, in source order. */
export function plpgsqlItems(fn: unknown): PlpgsqlItem[] {
  const out: PlpgsqlItem[] = [];
  const datums = items(get(fn, 'datums'));
  // Variable defaults run when the block is entered.
  for (const datum of datums) {
    const variable = get(datum, 'PLpgSQL_var') ?? get(datum, 'PLpgSQL_rec');
    const def = get(variable, 'default_val', 'PLpgSQL_expr', 'query');
    if (typeof def === 'string') out.push({ kind: 'expr', text: def, assign: false });
  }
  if (get(fn, 'action')) statement(get(fn, 'action'), out);
  return out;
}

/** A `PLpgSQL_expr`: an SQL statement (statement mode), else an expression or an assignment. */
function expr(node: unknown, out: PlpgsqlItem[], mode: 'sql' | 'expr'): void {
  const e = get(node, 'PLpgSQL_expr');
  const query = get(e, 'query');
  if (!e || typeof query !== 'string') return;
  const parseMode = Number(get(e, 'parseMode') ?? 0);
  // parseMode 0: a whole SQL statement; 2: an expression; 3-5: an assignment `target := expr`.
  if (mode === 'sql' && parseMode === 0) out.push({ kind: 'sql', text: query });
  else out.push({ kind: 'expr', text: query, assign: parseMode >= 3 });
}

/** A list of PL/pgSQL statements. */
function list(nodes: unknown, out: PlpgsqlItem[]): void {
  if (!Array.isArray(nodes)) return;
  for (const node of nodes) statement(node, out);
}

/** One PL/pgSQL statement (`{ PLpgSQL_stmt_if: {...} }`). */
function statement(node: unknown, out: PlpgsqlItem[]): void {
  if (!node || typeof node !== 'object') return;
  const type = Object.keys(node)[0];
  if (!type) return;
  const body = get(node, type) ?? {};
  switch (type) {
    case 'PLpgSQL_stmt_block':
      list(get(body, 'body'), out);
      for (const exception of items(get(body, 'exceptions', 'PLpgSQL_exception_block', 'exc_list')))
        list(get(exception, 'PLpgSQL_exception', 'action'), out);
      return;
    case 'PLpgSQL_stmt_execsql':
      expr(get(body, 'sqlstmt'), out, 'sql');
      return;
    case 'PLpgSQL_stmt_dynexecute':
    case 'PLpgSQL_stmt_dynfors':
      if (get(body, 'query', 'PLpgSQL_expr', 'query') !== undefined)
        out.push({ kind: 'dynamic', text: String(get(body, 'query', 'PLpgSQL_expr', 'query')) });
      else out.push({ kind: 'opaque', what: 'EXECUTE' });
      for (const param of items(get(body, 'params'))) expr(param, out, 'expr');
      list(get(body, 'body'), out);
      return;
    case 'PLpgSQL_stmt_open':
      if (get(body, 'dynquery')) out.push({ kind: 'dynamic', text: String(get(body, 'dynquery', 'PLpgSQL_expr', 'query') ?? '') });
      if (get(body, 'query')) expr(get(body, 'query'), out, 'sql');
      if (get(body, 'argquery')) expr(get(body, 'argquery'), out, 'expr');
      return;
    case 'PLpgSQL_stmt_if':
      expr(get(body, 'cond'), out, 'expr');
      list(get(body, 'then_body'), out);
      for (const elsif of items(get(body, 'elsif_list'))) {
        expr(get(elsif, 'PLpgSQL_if_elsif', 'cond'), out, 'expr');
        list(get(elsif, 'PLpgSQL_if_elsif', 'stmts'), out);
      }
      list(get(body, 'else_body'), out);
      return;
    case 'PLpgSQL_stmt_case':
      expr(get(body, 't_expr'), out, 'expr');
      for (const when of items(get(body, 'case_when_list'))) {
        expr(get(when, 'PLpgSQL_case_when', 'expr'), out, 'expr');
        list(get(when, 'PLpgSQL_case_when', 'stmts'), out);
      }
      list(get(body, 'else_stmts'), out);
      return;
    case 'PLpgSQL_stmt_fors':
    case 'PLpgSQL_stmt_forc':
      expr(get(body, 'query'), out, 'sql');
      if (get(body, 'argquery')) expr(get(body, 'argquery'), out, 'expr');
      list(get(body, 'body'), out);
      return;
    case 'PLpgSQL_stmt_return_query':
      if (get(body, 'dynquery')) out.push({ kind: 'dynamic', text: String(get(body, 'dynquery', 'PLpgSQL_expr', 'query') ?? '') });
      if (get(body, 'query')) expr(get(body, 'query'), out, 'sql');
      return;
    case 'PLpgSQL_stmt_raise':
      for (const param of items(get(body, 'params'))) expr(param, out, 'expr');
      for (const option of items(get(body, 'options'))) expr(get(option, 'PLpgSQL_raise_option', 'expr'), out, 'expr');
      return;
    case 'PLpgSQL_stmt_perform':
    case 'PLpgSQL_stmt_call':
      expr(get(body, 'expr'), out, 'sql');
      return;
    case 'PLpgSQL_stmt_getdiag':
    case 'PLpgSQL_stmt_exit':
    case 'PLpgSQL_stmt_fetch':
    case 'PLpgSQL_stmt_close':
    case 'PLpgSQL_stmt_commit':
    case 'PLpgSQL_stmt_rollback':
      if (get(body, 'cond')) expr(get(body, 'cond'), out, 'expr');
      if (get(body, 'expr')) expr(get(body, 'expr'), out, 'expr');
      return;
    case 'PLpgSQL_stmt_assign':
    case 'PLpgSQL_stmt_return':
    case 'PLpgSQL_stmt_return_next':
    case 'PLpgSQL_stmt_assert':
    case 'PLpgSQL_stmt_loop':
    case 'PLpgSQL_stmt_while':
    case 'PLpgSQL_stmt_fori':
    case 'PLpgSQL_stmt_foreach_a':
      for (const field of EXPRESSION_FIELDS) if (get(body, field)) expr(get(body, field), out, 'expr');
      if (get(body, 'message')) expr(get(body, 'message'), out, 'expr');
      for (const field of BODY_FIELDS) list(get(body, field), out);
      return;
    default:
      out.push({ kind: 'opaque', what: type.replace(/^PLpgSQL_stmt_/, '').toUpperCase() });
  }
}
