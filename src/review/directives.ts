/**
 * Suppression comments in migration files:
 *
 *   -- dbctl-ignore rule-id[, other-id]: reason     (the next statement)
 *   -- dbctl-ignore-file rule-id[, other-id][: reason]   (the whole file)
 *
 * They are SQL comments, so they are read from the raw text, but only from the stretches between
 * parsed statements (never from inside a statement or a string literal), and each is tied to the
 * statement that follows it by position.
 */

/** One suppression directive found in a file. */
export interface IgnoreDirective {
  scope: 'statement' | 'file';
  /** Rule ids named (as written). */
  rules: string[];
  reason: string | undefined;
  /** File offset of the comment. */
  offset: number;
  /** Index of the statement after the comment, or -1 when none follows. */
  statement: number;
}

/** A statement's span in the file. */
export interface StatementSpan {
  offset: number;
  length: number;
}

const DIRECTIVE = /^dbctl-ignore(-file)?(?:\s+|$)(.*)$/s;

/** Reads the directive in one line comment's text (after `--`), or null when it is not one. */
export function parseDirective(comment: string): { scope: 'statement' | 'file'; rules: string[]; reason: string | undefined } | null {
  const match = DIRECTIVE.exec(comment.trim());
  if (!match) return null;
  const rest = match[2] ?? '';
  const colon = rest.indexOf(':');
  const ids = colon === -1 ? rest : rest.slice(0, colon);
  const reason = colon === -1 ? undefined : rest.slice(colon + 1).trim() || undefined;
  const rules = ids
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter(Boolean);
  return { scope: match[1] ? 'file' : 'statement', rules, reason };
}

/** Finds every directive in the text between (and around) the statements of a file. */
export function findDirectives(sql: string, statements: readonly StatementSpan[]): IgnoreDirective[] {
  const out: IgnoreDirective[] = [];
  let gapStart = 0;
  statements.forEach((statement, index) => {
    scanGap(sql, gapStart, statement.offset, index, out);
    gapStart = Math.max(gapStart, statement.offset + statement.length);
  });
  scanGap(sql, gapStart, sql.length, -1, out);
  return out;
}

/** Scans whitespace, semicolons and comments between `start` and `end` for line-comment directives. */
function scanGap(sql: string, start: number, end: number, next: number, out: IgnoreDirective[]): void {
  let i = start;
  while (i < end) {
    if (sql.startsWith('--', i)) {
      let lineEnd = sql.indexOf('\n', i);
      if (lineEnd === -1 || lineEnd > end) lineEnd = end;
      const directive = parseDirective(sql.slice(i + 2, lineEnd));
      if (directive) out.push({ ...directive, offset: i, statement: next });
      i = lineEnd + 1;
    } else if (sql.startsWith('/*', i)) {
      let depth = 0;
      while (i < end) {
        if (sql.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (sql.startsWith('*/', i)) {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else i++;
      }
    } else i++;
  }
}
