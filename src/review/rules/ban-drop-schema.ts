/**
 * ban-drop-schema: DROP SCHEMA (with CASCADE: every table in it).
 */
import type { Rule } from '../types.js';

/** Flags dropping a schema that existed before the migration. */
const rule: Rule = {
  id: 'ban-drop-schema',
  defaultSeverity: 'error',
  docs: {
    problem: 'DROP SCHEMA removes the schema; with CASCADE it silently drops every table, view and function in it, with their data.',
    fix: 'Drop the tables one by one in migrations reviewed as such (each backed up by dbctl), and drop the then-empty schema without CASCADE.',
  },
  check(stmt) {
    const schemas = stmt.classification.destroys.filter((d) => d.kind === 'schema');
    if (schemas.length === 0) return;
    const cascade = stmt.kind === 'DropStmt' && stmt.node.behavior === 'DROP_CASCADE';
    const names = schemas.map((d) => d.schema).join(', ');
    return {
      message: cascade
        ? `DROP SCHEMA ${names} CASCADE drops every table, view and function in it, with their data.`
        : `DROP SCHEMA ${names} removes a schema that existed before this migration.`,
      fix: `Drop the objects of ${names} explicitly (each reviewed and backed up), then DROP SCHEMA ${names} without CASCADE.`,
    };
  },
};

export default rule;
