/**
 * A fix is a migration like any other: it is replayed on empty databases (every later `check`
 * replays it) and applied to environments that may not have the same drift. So each of its
 * statements is written to succeed whether or not its object is already in the wanted state:
 * `DROP ... IF EXISTS`, `CREATE ... IF NOT EXISTS`, `ADD COLUMN IF NOT EXISTS`, `ADD VALUE IF NOT
 * EXISTS`, `CREATE OR REPLACE VIEW`, a constraint dropped (if it exists) before it is added, an
 * enum created unless it exists. The statement is read by the parser (its node and its tokens);
 * the words are inserted at the token the grammar puts them after, and the result must parse as
 * the same kind of statement, else the statement is kept as it was.
 */
import { loadSqlParser, byteToCharConverter } from '../../sql/parser.js';

type Token = { start: number; end: number; text: string };

/** The statements, each made idempotent where the grammar allows (see the top of this file). */
export async function idempotent(statements: readonly string[]): Promise<string[]> {
  const parser = await loadSqlParser();
  const lib = await import('libpg-query');
  // the tokens come from libpg-query itself, whose WASM module a warm parse cache leaves unloaded
  await lib.loadModule();
  const out: string[] = [];
  for (const statement of statements) {
    const parsed = parser.parse(statement);
    if ('error' in parsed || parsed.statements.length !== 1) {
      out.push(statement);
      continue;
    }
    const [st] = parsed.statements;
    const toChar = byteToCharConverter(statement);
    const tokens: Token[] = lib
      .scanSync(statement)
      .tokens.map((t) => ({ start: toChar(t.start), end: toChar(t.end), text: t.text.toUpperCase() }));
    const rewritten = rewrite(st!.kind, st!.node, statement, tokens);
    const checked = rewritten.filter((text) => {
      const again = parser.parse(text);
      return !('error' in again) && again.statements.length >= 1;
    });
    out.push(...(checked.length === rewritten.length ? rewritten : [statement]));
  }
  return out;
}

/** Inserts `words` after the first token `after` found (from token `from` on). */
function insertAfter(text: string, tokens: Token[], after: string[], words: string, from = 0): string | null {
  for (let i = from; i < tokens.length; i++) {
    if (!after.includes(tokens[i]!.text)) continue;
    // after a run of the listed words (`INDEX CONCURRENTLY`, `MATERIALIZED VIEW`)
    let j = i;
    while (j + 1 < tokens.length && after.includes(tokens[j + 1]!.text)) j++;
    const at = tokens[j]!.end;
    return `${text.slice(0, at)} ${words}${text.slice(at)}`;
  }
  return null;
}

const index = (tokens: Token[], word: string) => tokens.findIndex((t) => t.text === word);

function rewrite(kind: string, node: any, text: string, tokens: Token[]): string[] {
  const body = node?.[kind] ?? {};
  const keep = [text];
  const one = (result: string | null) => (result === null ? keep : [result]);
  switch (kind) {
    case 'AlterTableStmt': {
      const cmds = body.cmds ?? [];
      if (cmds.length !== 1) return keep;
      const cmd = cmds[0].AlterTableCmd ?? {};
      if (cmd.missing_ok) return keep;
      switch (cmd.subtype) {
        case 'AT_DropColumn':
          return one(insertAfter(text, tokens, ['COLUMN'], 'IF EXISTS', Math.max(0, index(tokens, 'DROP'))));
        case 'AT_AddColumn':
          return one(insertAfter(text, tokens, ['COLUMN'], 'IF NOT EXISTS', Math.max(0, index(tokens, 'ADD'))));
        case 'AT_DropConstraint':
          return one(insertAfter(text, tokens, ['CONSTRAINT'], 'IF EXISTS', Math.max(0, index(tokens, 'DROP'))));
        case 'AT_AddConstraint': {
          const name = cmd.def?.Constraint?.conname;
          const add = index(tokens, 'ADD');
          const table = index(tokens, 'TABLE');
          if (typeof name !== 'string' || add < 0 || table < 0) return keep;
          const relation = text.slice(tokens[table]!.end, tokens[add]!.start).trim();
          return [`ALTER TABLE ${relation} DROP CONSTRAINT IF EXISTS "${name.replace(/"/g, '""')}";`, text];
        }
        default:
          return keep;
      }
    }
    case 'IndexStmt':
      return body.if_not_exists ? keep : one(insertAfter(text, tokens, ['INDEX', 'CONCURRENTLY'], 'IF NOT EXISTS'));
    case 'CreateStmt':
      return body.if_not_exists ? keep : one(insertAfter(text, tokens, ['TABLE'], 'IF NOT EXISTS'));
    case 'CreateSchemaStmt':
      return body.if_not_exists ? keep : one(insertAfter(text, tokens, ['SCHEMA'], 'IF NOT EXISTS'));
    case 'CreateSeqStmt':
      return body.if_not_exists ? keep : one(insertAfter(text, tokens, ['SEQUENCE'], 'IF NOT EXISTS'));
    case 'AlterEnumStmt':
      return body.skipIfNewValExists || !body.newVal ? keep : one(insertAfter(text, tokens, ['VALUE'], 'IF NOT EXISTS'));
    case 'DropStmt':
      return body.missing_ok
        ? keep
        : one(
            insertAfter(
              text,
              tokens,
              [
                'TABLE',
                'INDEX',
                'CONCURRENTLY',
                'VIEW',
                'MATERIALIZED',
                'TYPE',
                'SEQUENCE',
                'SCHEMA',
                'TRIGGER',
                'FUNCTION',
                'PROCEDURE',
                'POLICY',
                'EXTENSION',
              ],
              'IF EXISTS',
            ),
          );
    case 'ViewStmt':
      return body.replace ? keep : one(insertAfter(text, tokens, ['CREATE'], 'OR REPLACE'));
    case 'CreateEnumStmt':
      return text.includes('$$')
        ? keep
        : [`DO $$ BEGIN\n ${text.trim().replace(/;$/, '')};\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;`];
    default:
      return keep;
  }
}
