/**
 * Is an applied migration whose file changed since only reformatted (comments, white space)?
 *
 * The database keeps only drizzle's hash of what was applied, so the applied text is found: the file
 * with its line endings the other way (applied from a checkout on another system), or in the file's
 * git history, the version whose hash is the recorded one. Then both texts are parsed by
 * PostgreSQL's parser (libpg-query) and compared statement by statement: equal parse trees (with
 * source positions left out) mean the same statements, only written differently. libpg-query's
 * `fingerprint` alone would not do: it ignores constants, so `DEFAULT 1` and `DEFAULT 2` share a
 * fingerprint. Without git, or without the applied version in it, the migration stays modified
 * (dbctl cannot know).
 *
 * Only migrations whose hash differs are looked at, so an unchanged folder costs nothing.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { drizzleHash, type LocalMigration } from '../drizzle/folder.js';
import { splitStatements } from '../core/statements.js';
import { loadSqlParser, type SqlParser } from '../sql/parser.js';

const run = promisify(execFile);

async function git(args: string[], cwd: string): Promise<string | null> {
  try {
    return (await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch {
    return null;
  }
}

/**
 * The text of `file` as it was when its drizzle hash was `hash` (null when not found): the file as
 * it is now with the other line endings (a checkout with git's `autocrlf` on another system applied
 * it with CRLF, or LF), else a version in git, as stored or with the other line endings.
 */
export async function appliedText(file: string, hash: string, current: string): Promise<string | null> {
  const now = withHash(current, hash);
  if (now !== null) return now;
  const dir = path.dirname(file);
  const top = (await git(['rev-parse', '--show-toplevel'], dir))?.trim();
  if (!top) return null;
  const relative = path.relative(top, file).split(path.sep).join('/');
  const staged = await git(['show', `:${relative}`], top);
  const found = staged === null ? null : withHash(staged, hash);
  if (found !== null) return found;
  const commits = (await git(['log', '--format=%H', '-n', '200', '--', relative], top))?.split('\n').filter(Boolean) ?? [];
  for (const commit of commits) {
    const text = await git(['show', `${commit}:${relative}`], top);
    const version = text === null ? null : withHash(text, hash);
    if (version !== null) return version;
  }
  return null;
}

/** `text`, or `text` with all LF or all CRLF line endings, whichever has drizzle hash `hash`; null when none. */
function withHash(text: string, hash: string): string | null {
  const lf = text.replace(/\r\n/g, '\n');
  for (const candidate of [text, lf, lf.replace(/\n/g, '\r\n')]) if (drizzleHash(candidate) === hash) return candidate;
  return null;
}

/** The statements of a migration text as parse trees without positions; null when it does not parse. */
function statementTrees(parser: SqlParser, text: string): string[] | null {
  const trees: string[] = [];
  for (const chunk of splitStatements(text)) {
    const parsed = parser.parse(chunk.sql);
    if ('error' in parsed) return null;
    for (const st of parsed.statements)
      trees.push(
        JSON.stringify(st.node, (key, value) => (key === 'location' || key === 'stmt_location' || key === 'stmt_len' ? undefined : value)),
      );
  }
  return trees;
}

/** True when `before` and `after` hold the same statements (only comments or white space differ). */
export function sameStatements(parser: SqlParser, before: string, after: string): boolean {
  const a = statementTrees(parser, before);
  const b = statementTrees(parser, after);
  return a !== null && b !== null && a.length === b.length && a.every((tree, i) => tree === b[i]);
}

/** The tags of `modified` migrations (applied under `hash`) that changed only cosmetically. */
export async function cosmeticTags(modified: readonly { migration: LocalMigration; appliedHash: string }[]): Promise<Set<string>> {
  const tags = new Set<string>();
  if (modified.length === 0) return tags;
  const parser = await loadSqlParser();
  for (const { migration, appliedHash } of modified) {
    const before = await appliedText(migration.file, appliedHash, migration.text);
    if (before !== null && sameStatements(parser, before, migration.text)) tags.add(migration.tag);
  }
  return tags;
}
