/**
 * identifier-too-long (squawk): PostgreSQL truncates identifiers longer than 63 bytes (NAMEDATALEN
 * - 1) with only a NOTICE. drizzle-kit's generated foreign-key names (`table_column_other_id_fk`)
 * often pass it: two names sharing their first 63 bytes then collide, and the database's names
 * differ from the snapshot's.
 */
import { walk } from '../../sql/ast.js';
import type { Rule, RuleFinding } from '../types.js';

/** PostgreSQL's longest identifier, in bytes. */
export const MAX_IDENTIFIER_BYTES = 63;

/** AST fields that name the object a statement declares. */
const NAME_FIELDS = ['relname', 'colname', 'conname', 'idxname', 'newname', 'schemaname', 'trigname', 'policy_name', 'indexname'];

const encoder = new TextEncoder();
const NAME_FIELD_SET = new Set(NAME_FIELDS);

/** True when `name` may be a truncated identifier: 60 bytes or more (a multibyte character may end the cut 1-3 bytes short). */
function longEnough(name: string): boolean {
  // UTF-8 takes 1 to 3 bytes per string unit: decided from the length alone unless it lies in between
  if (name.length >= MAX_IDENTIFIER_BYTES - 3) return true;
  if (name.length * 3 < MAX_IDENTIFIER_BYTES - 3) return false;
  return encoder.encode(name).length >= MAX_IDENTIFIER_BYTES - 3;
}

/**
 * True when some object of the tree has a name field `longEnough`: one cheap pass that rules out
 * almost every statement before the ordered search below (which allocates a walk and reads nine
 * fields of every node).
 */
function holdsLongName(node: unknown): boolean {
  if (Array.isArray(node)) {
    for (const item of node) if (item !== null && typeof item === 'object' && holdsLongName(item)) return true;
    return false;
  }
  const record = node as Record<string, unknown>;
  for (const key in record) {
    const value = record[key];
    if (typeof value === 'string') {
      if (value.length * 3 >= MAX_IDENTIFIER_BYTES - 3 && NAME_FIELD_SET.has(key) && longEnough(value)) return true;
    } else if (value !== null && typeof value === 'object' && holdsLongName(value)) return true;
  }
  return false;
}

/** The identifier cut to 63 bytes on a character boundary, as PostgreSQL does. */
export function truncateIdentifier(name: string): string {
  // (PostgreSQL's parser cuts identifiers the same way before the review sees them)
  let out = '';
  let bytes = 0;
  for (const ch of name) {
    const size = encoder.encode(ch).length;
    if (bytes + size > MAX_IDENTIFIER_BYTES) break;
    out += ch;
    bytes += size;
  }
  return out;
}

/**
 * The identifier as written in `text` whose first 63 bytes are `truncated`, when it is longer;
 * quoted identifiers end at their closing quote, unquoted ones at the first non-identifier character.
 */
function writtenIdentifier(text: string, lower: string, truncated: string): string | undefined {
  for (const [haystack, needle] of [
    [text, truncated],
    [lower, truncated.toLowerCase()],
  ] as const) {
    let from = 0;
    for (;;) {
      const at = haystack.indexOf(needle, from);
      if (at < 0) break;
      from = at + 1;
      const quoted = text[at - 1] === '"';
      let end = at + needle.length;
      if (quoted) {
        while (end < text.length && text[end] !== '"') end++;
      } else {
        while (end < text.length && /[\p{L}\p{N}_$]/u.test(text[end]!)) end++;
      }
      if (end > at + needle.length) return text.slice(at, end);
    }
  }
  return undefined;
}

/** Flags identifiers longer than 63 bytes. */
const rule: Rule = {
  id: 'identifier-too-long',
  defaultSeverity: 'warning',
  docs: {
    problem:
      'PostgreSQL silently truncates identifiers longer than 63 bytes. drizzle-kit\'s generated foreign-key names (`table_column_other_table_id_fk`) often pass that: two names sharing their first 63 bytes collide ("already exists"), and the names in the database differ from the ones in drizzle\'s snapshot.',
    fix: "Give the object a shorter name (drizzle: `foreignKey({ name: '...' })`, `index('...')`, or shorter table/column names).",
  },
  check(stmt) {
    if (!stmt.node || !holdsLongName(stmt.node)) return;
    // The parser has already cut long names to 63 bytes: a name of exactly 63 bytes is looked up in
    // the statement's text to recover what was written.
    const text = stmt.parsed.text;
    const lower = text.toLowerCase();
    const seen = new Set<string>();
    const out: RuleFinding[] = [];
    const check = (value: object) => {
      // any node body: its name fields are read by name (an object's own fields, whatever its type)
      const fields = value as Record<string, unknown>;
      for (const field of NAME_FIELDS) {
        const name = fields[field];
        if (typeof name !== 'string' || seen.has(name) || !longEnough(name)) continue;
        seen.add(name);
        const written = writtenIdentifier(text, lower, name);
        if (!written) continue;
        out.push({
          message: `\`${written}\` is ${encoder.encode(written).length} bytes: PostgreSQL truncates it to \`${name}\` (63 bytes).`,
          fix: `Use a name of at most 63 bytes${field === 'conname' ? " (drizzle: foreignKey({ name: '...' }) or .unique('...'))" : ''}.`,
          at: typeof fields.location === 'number' ? fields.location : -1,
        });
      }
    };
    check(stmt.node);
    walk(stmt.node, (_key, value) => {
      if (!Array.isArray(value)) check(value);
    });
    return out;
  },
};

export default rule;
