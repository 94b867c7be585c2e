/**
 * The renames a migration made, read from its SQL with the PostgreSQL parser, turned around into
 * the `--rename FROM=TO` answers that make drizzle-kit's diff undo them as renames (instead of a
 * drop and a create, which would lose the data). Pure.
 */
import type { SqlParser } from '../../sql/parser.js';
import { qualified } from '../generate/renames.js';

/** A rename a migration made. */
export interface SeenRename {
  kind: 'column' | 'table' | 'enum' | 'schema' | 'sequence' | 'view';
  /** Names as the flags spell them (`users.name`, `auth.accounts`). */
  from: string;
  to: string;
}

const stringsOf = (object: any): string[] => (object?.List?.items ?? []).map((item: any) => String(item?.String?.sval ?? ''));

/** The renames in `sql` (statements that do not parse are skipped). */
export function renamesIn(sql: string, parser: SqlParser): SeenRename[] {
  const seen: SeenRename[] = [];
  for (const stmt of parser.parseAll(sql)) {
    const node = stmt.node;
    if (stmt.kind === 'RenameStmt') {
      const body = node.RenameStmt;
      const rel = body.relation;
      const schema = rel?.schemaname as string | undefined;
      switch (body.renameType) {
        case 'OBJECT_COLUMN': {
          const table = qualified(schema, String(rel.relname));
          seen.push({ kind: 'column', from: `${table}.${String(body.subname)}`, to: `${table}.${String(body.newname)}` });
          break;
        }
        case 'OBJECT_TABLE':
        case 'OBJECT_SEQUENCE':
        case 'OBJECT_VIEW':
        case 'OBJECT_MATVIEW': {
          const kind = body.renameType === 'OBJECT_TABLE' ? 'table' : body.renameType === 'OBJECT_SEQUENCE' ? 'sequence' : 'view';
          seen.push({ kind, from: qualified(schema, String(rel.relname)), to: qualified(schema, String(body.newname)) });
          break;
        }
        case 'OBJECT_TYPE': {
          const parts = stringsOf(body.object);
          const name = parts[parts.length - 1] ?? '?';
          const typeSchema = parts.length > 1 ? parts[parts.length - 2] : undefined;
          seen.push({ kind: 'enum', from: qualified(typeSchema, name), to: qualified(typeSchema, String(body.newname)) });
          break;
        }
        case 'OBJECT_SCHEMA':
          seen.push({ kind: 'schema', from: String(body.subname), to: String(body.newname) });
          break;
        default:
          break;
      }
    } else if (stmt.kind === 'AlterObjectSchemaStmt') {
      const body = node.AlterObjectSchemaStmt;
      const to = String(body.newschema);
      if (body.relation) {
        const name = String(body.relation.relname);
        const kind =
          body.objectType === 'OBJECT_SEQUENCE'
            ? 'sequence'
            : body.objectType === 'OBJECT_VIEW' || body.objectType === 'OBJECT_MATVIEW'
              ? 'view'
              : 'table';
        seen.push({ kind, from: qualified(body.relation.schemaname, name), to: qualified(to, name) });
      } else if (body.objectType === 'OBJECT_TYPE') {
        const parts = stringsOf(body.object);
        const name = parts[parts.length - 1] ?? '?';
        seen.push({ kind: 'enum', from: qualified(parts.length > 1 ? parts[parts.length - 2] : undefined, name), to: qualified(to, name) });
      }
    }
  }
  return seen;
}

/**
 * `--rename` answers that undo `renames` (TO=FROM). A column of a table the same migration renamed
 * is answered under both table names (drizzle-kit asks under one of them).
 */
export function reversedAnswers(renames: readonly SeenRename[]): string[] {
  const answers: string[] = [];
  const tables = renames.filter((r) => r.kind === 'table');
  for (const rename of renames) {
    answers.push(`${rename.to}=${rename.from}`);
    if (rename.kind !== 'column') continue;
    const dot = rename.from.lastIndexOf('.');
    const table = rename.from.slice(0, dot);
    const [fromColumn, toColumn] = [rename.from.slice(dot + 1), rename.to.slice(rename.to.lastIndexOf('.') + 1)];
    for (const t of tables) {
      const other = t.from === table ? t.to : t.to === table ? t.from : undefined;
      if (other !== undefined) answers.push(`${other}.${toColumn}=${other}.${fromColumn}`);
    }
  }
  return [...new Set(answers)];
}
