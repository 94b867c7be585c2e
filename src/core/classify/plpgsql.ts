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

/** Every item one PL/pgSQL function (`PLpgSQL_function`) runs, in source order. */
export function plpgsqlItems(fn: any): PlpgsqlItem[] {
  const out: PlpgsqlItem[] = [];
  const datums: any[] = fn?.datums ?? [];
  // Variable defaults run when the block is entered.
  for (const datum of datums) {
    const variable = datum?.PLpgSQL_var ?? datum?.PLpgSQL_rec;
    const def = variable?.default_val?.PLpgSQL_expr?.query;
    if (typeof def === 'string') out.push({ kind: 'expr', text: def, assign: false });
  }
  if (fn?.action) statement(fn.action, out);
  return out;
}

function expr(node: any, out: PlpgsqlItem[], mode: 'sql' | 'expr'): void {
  const e = node?.PLpgSQL_expr;
  if (!e || typeof e.query !== 'string') return;
  const parseMode = Number(e.parseMode ?? 0);
  // parseMode 0: a whole SQL statement; 2: an expression; 3-5: an assignment `target := expr`.
  if (mode === 'sql' && parseMode === 0) out.push({ kind: 'sql', text: e.query });
  else out.push({ kind: 'expr', text: e.query, assign: parseMode >= 3 });
}

function list(nodes: any, out: PlpgsqlItem[]): void {
  if (!Array.isArray(nodes)) return;
  for (const node of nodes) statement(node, out);
}

function statement(node: any, out: PlpgsqlItem[]): void {
  if (!node || typeof node !== 'object') return;
  const type = Object.keys(node)[0];
  if (!type) return;
  const body = node[type] ?? {};
  switch (type) {
    case 'PLpgSQL_stmt_block':
      list(body.body, out);
      for (const exception of body.exceptions?.PLpgSQL_exception_block?.exc_list ?? []) list(exception?.PLpgSQL_exception?.action, out);
      return;
    case 'PLpgSQL_stmt_execsql':
      expr(body.sqlstmt, out, 'sql');
      return;
    case 'PLpgSQL_stmt_dynexecute':
    case 'PLpgSQL_stmt_dynfors':
      if (body.query?.PLpgSQL_expr?.query !== undefined) out.push({ kind: 'dynamic', text: String(body.query.PLpgSQL_expr.query) });
      else out.push({ kind: 'opaque', what: 'EXECUTE' });
      for (const param of body.params ?? []) expr(param, out, 'expr');
      list(body.body, out);
      return;
    case 'PLpgSQL_stmt_open':
      if (body.dynquery) out.push({ kind: 'dynamic', text: String(body.dynquery?.PLpgSQL_expr?.query ?? '') });
      if (body.query) expr(body.query, out, 'sql');
      if (body.argquery) expr(body.argquery, out, 'expr');
      return;
    case 'PLpgSQL_stmt_if':
      expr(body.cond, out, 'expr');
      list(body.then_body, out);
      for (const elsif of body.elsif_list ?? []) {
        expr(elsif?.PLpgSQL_if_elsif?.cond, out, 'expr');
        list(elsif?.PLpgSQL_if_elsif?.stmts, out);
      }
      list(body.else_body, out);
      return;
    case 'PLpgSQL_stmt_case':
      expr(body.t_expr, out, 'expr');
      for (const when of body.case_when_list ?? []) {
        expr(when?.PLpgSQL_case_when?.expr, out, 'expr');
        list(when?.PLpgSQL_case_when?.stmts, out);
      }
      list(body.else_stmts, out);
      return;
    case 'PLpgSQL_stmt_fors':
    case 'PLpgSQL_stmt_forc':
      expr(body.query, out, 'sql');
      if (body.argquery) expr(body.argquery, out, 'expr');
      list(body.body, out);
      return;
    case 'PLpgSQL_stmt_return_query':
      if (body.dynquery) out.push({ kind: 'dynamic', text: String(body.dynquery?.PLpgSQL_expr?.query ?? '') });
      if (body.query) expr(body.query, out, 'sql');
      return;
    case 'PLpgSQL_stmt_raise':
      for (const param of body.params ?? []) expr(param, out, 'expr');
      for (const option of body.options ?? []) expr(option?.PLpgSQL_raise_option?.expr, out, 'expr');
      return;
    case 'PLpgSQL_stmt_perform':
    case 'PLpgSQL_stmt_call':
      expr(body.expr, out, 'sql');
      return;
    case 'PLpgSQL_stmt_getdiag':
    case 'PLpgSQL_stmt_exit':
    case 'PLpgSQL_stmt_fetch':
    case 'PLpgSQL_stmt_close':
    case 'PLpgSQL_stmt_commit':
    case 'PLpgSQL_stmt_rollback':
      if (body.cond) expr(body.cond, out, 'expr');
      if (body.expr) expr(body.expr, out, 'expr');
      return;
    case 'PLpgSQL_stmt_assign':
    case 'PLpgSQL_stmt_return':
    case 'PLpgSQL_stmt_return_next':
    case 'PLpgSQL_stmt_assert':
    case 'PLpgSQL_stmt_loop':
    case 'PLpgSQL_stmt_while':
    case 'PLpgSQL_stmt_fori':
    case 'PLpgSQL_stmt_foreach_a':
      for (const field of EXPRESSION_FIELDS) if (body[field]) expr(body[field], out, 'expr');
      if (body.message) expr(body.message, out, 'expr');
      for (const field of BODY_FIELDS) list(body[field], out);
      return;
    default:
      out.push({ kind: 'opaque', what: type.replace(/^PLpgSQL_stmt_/, '').toUpperCase() });
  }
}
