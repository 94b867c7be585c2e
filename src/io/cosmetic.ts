/**
 * Is an applied migration whose file changed since only reformatted (comments, white space)?
 *
 * The database keeps only drizzle's hash of what was applied, so the applied text is found in the
 * file's git history: the version whose hash is the recorded one. Then both texts are parsed by
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

/** The text of `file` as it was when its drizzle hash was `hash`, from git (null when not found). */
export async function appliedText(file: string, hash: string): Promise<string | null> {
  const dir = path.dirname(file);
  const top = (await git(['rev-parse', '--show-toplevel'], dir))?.trim();
  if (!top) return null;
  const relative = path.relative(top, file).split(path.sep).join('/');
  const staged = await git(['show', `:${relative}`], top);
  if (staged !== null && drizzleHash(staged) === hash) return staged;
  const commits = (await git(['log', '--format=%H', '-n', '200', '--', relative], top))?.split('\n').filter(Boolean) ?? [];
  for (const commit of commits) {
    const text = await git(['show', `${commit}:${relative}`], top);
    if (text !== null && drizzleHash(text) === hash) return text;
  }
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
    const before = await appliedText(migration.file, appliedHash);
    if (before !== null && sameStatements(parser, before, migration.text)) tags.add(migration.tag);
  }
  return tags;
}
