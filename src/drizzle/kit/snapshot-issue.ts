/**
 * Why drizzle-kit's snapshot schema (zod) rejected a snapshot, in one line: a hand-edited or
 * merged snapshot fails on one field, and naming it saves a search through thousands of lines.
 */

/** What dbctl reads of a zod error: its issues, each with where and what. */
export interface SchemaIssues {
  issues?: readonly { path?: readonly PropertyKey[]; message?: string }[];
}

/**
 * The first issue as `where: what` (`tables["public.users"].columns.org_id: Unrecognized key(s) in
 * object: 'references'`), with how many more there are; null when the error names none.
 */
export function firstSnapshotIssue(error: SchemaIssues | undefined): string | null {
  const issues = error?.issues ?? [];
  const first = issues[0];
  if (!first?.message) return null;
  const where = pathText(first.path ?? []);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${where ? `${where}: ` : ''}${first.message}${more}`;
}

/** A path in JavaScript's notation: `a.b[0]["c.d"]`. */
function pathText(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) text += text ? `.${key}` : key;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}
