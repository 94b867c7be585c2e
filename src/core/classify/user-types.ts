/**
 * The classification of user types: CREATE TYPE (enum, composite, range), CREATE DOMAIN and
 * ALTER TYPE ... ADD / RENAME VALUE (whose use later in the migration the Classifier tracks).
 *
 * Pure: no fs, process or network.
 */
import { stringList } from '../../sql/ast.js';
import type { Handlers } from './effects.js';
import { rangeVarName, typeQualifiedName } from './names.js';

/** CREATE TYPE / DOMAIN and ALTER TYPE ... VALUE. */
export const userTypeHandlers: Handlers = {
  CreateEnumStmt(body, fx, objects) {
    const name = typeQualifiedName(body.typeName);
    objects.types.add(name.qualified);
    fx.create({ kind: 'type', schema: name.schema, name: name.name });
    return `CREATE TYPE ${name.qualified} AS ENUM (${stringList(body.vals)
      .map((v) => `'${v}'`)
      .join(', ')})`;
  },

  CompositeTypeStmt(body, fx, objects) {
    const name = rangeVarName(body.typevar);
    objects.types.add(name.qualified);
    fx.create({ kind: 'type', schema: name.schema, name: name.name });
    return `CREATE TYPE ${name.qualified} AS (...)`;
  },

  CreateDomainStmt(body, fx, objects) {
    const name = typeQualifiedName(body.domainname);
    objects.types.add(name.qualified);
    fx.create({ kind: 'type', schema: name.schema, name: name.name });
    return `CREATE DOMAIN ${name.qualified}`;
  },

  CreateRangeStmt(body, fx, objects) {
    const name = typeQualifiedName(body.typeName);
    objects.types.add(name.qualified);
    fx.create({ kind: 'type', schema: name.schema, name: name.name });
    return `CREATE TYPE ${name.qualified} AS RANGE`;
  },

  AlterEnumStmt(body) {
    const name = typeQualifiedName(body.typeName);
    if (body.oldVal) return `ALTER TYPE ${name.qualified} RENAME VALUE '${body.oldVal}' TO '${body.newVal}'`;
    return `ALTER TYPE ${name.qualified} ADD VALUE '${body.newVal}'`;
  },
};
