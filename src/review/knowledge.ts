/**
 * What the review learns about the schema by replaying migrations in order: columns and their
 * types, and CHECK (col IS NOT NULL) constraints with whether and when they were validated.
 * Only what the rules need; unknown things stay unknown (rules then stay conservative).
 */
import {
  bodyOf,
  columnConstraints,
  createTableElements,
  nodeOf,
  notNullTestedColumns,
  objectName,
  qualify,
  rangeVarName,
  typeInfo,
  type Pg,
  type TypeInfo,
} from '../sql/ast.js';

/** A column as known from the migrations replayed so far. */
export interface KnownColumn {
  type: TypeInfo;
  notNull: boolean;
}

/** A CHECK constraint proving columns NOT NULL. */
export interface KnownNotNullCheck {
  table: string;
  name: string | undefined;
  columns: string[];
  validated: boolean;
  /** Ordinal of the migration that added it (negative for context-only migrations). */
  addedIn: number;
  /** Ordinal of the migration where it became validated (added valid, or VALIDATE CONSTRAINT). */
  validatedIn: number | undefined;
}

/** An index as known from the migrations replayed so far. */
export interface KnownIndex {
  table: string;
  /** Its key columns; undefined when it has expressions. */
  columns: string[] | undefined;
  /** The constraint that took it over (`ADD CONSTRAINT ... USING INDEX`), with the statement's migration ordinal. */
  usedBy?: { constraint: string; ordinal: number };
}

/** Schema knowledge accumulated statement by statement. */
export class SchemaKnowledge {
  private readonly tables = new Map<string, Map<string, KnownColumn>>();
  private checks: KnownNotNullCheck[] = [];
  /** Indexes by qualified name (`schema.index`). */
  private readonly indexes = new Map<string, KnownIndex>();

  /** True once any table is known (an earlier migration or statement created one). */
  knowsAnyTable(): boolean {
    return this.tables.size > 0;
  }

  /** A known index (qualified `schema.index`). */
  index(name: string): KnownIndex | undefined {
    return this.indexes.get(name);
  }

  /** Whether every key column of an index is known NOT NULL; undefined when the index or a column is unknown. */
  indexColumnsNotNull(name: string): boolean | undefined {
    const index = this.indexes.get(name);
    if (!index?.columns) return undefined;
    for (const column of index.columns) {
      const known = this.tables.get(index.table)?.get(column);
      if (!known) return undefined;
      if (!known.notNull) return false;
    }
    return true;
  }

  /** The known columns of a table, or undefined when the table is unknown. */
  tableColumns(table: string): Map<string, KnownColumn> | undefined {
    return this.tables.get(table);
  }

  /** The known type of a column. */
  columnType(table: string, column: string): TypeInfo | undefined {
    return this.tables.get(table)?.get(column)?.type;
  }

  /** The newest CHECK (column IS NOT NULL) known on a column. */
  notNullCheck(table: string, column: string): KnownNotNullCheck | undefined {
    for (let i = this.checks.length - 1; i >= 0; i--) {
      const check = this.checks[i]!;
      if (check.table === table && check.columns.includes(column)) return check;
    }
    return undefined;
  }

  /** Learns from one parsed statement (`kind`, node body) of migration `ordinal`. */
  apply(kind: string, body: unknown, ordinal: number): void {
    if (!body) return;
    const create = bodyOf(kind, body, 'CreateStmt');
    if (create) return this.createTable(create, ordinal);
    const alter = bodyOf(kind, body, 'AlterTableStmt');
    if (alter) return this.alterTable(alter, ordinal);
    const rename = bodyOf(kind, body, 'RenameStmt');
    if (rename) return this.rename(rename);
    const drop = bodyOf(kind, body, 'DropStmt');
    if (drop) {
      if (drop.removeType === 'OBJECT_TABLE') {
        for (const object of drop.objects ?? []) this.dropTable(objectName(object).qualified);
      }
      if (drop.removeType === 'OBJECT_INDEX') {
        for (const object of drop.objects ?? []) this.indexes.delete(objectName(object).qualified);
      }
      return;
    }
    const index = bodyOf(kind, body, 'IndexStmt');
    if (index) return this.createIndex(index);
  }

  private createTable(body: Pg.CreateStmt, ordinal: number): void {
    const table = rangeVarName(body.relation).qualified;
    const columns = new Map<string, KnownColumn>();
    const { columns: defs, constraints } = createTableElements(body);
    for (const def of defs) {
      const cons = columnConstraints(def);
      columns.set(String(def.colname), {
        type: typeInfo(def.typeName),
        notNull: cons.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY'),
      });
      for (const c of cons) if (c.contype === 'CONSTR_CHECK') this.addCheck(table, c, ordinal);
    }
    this.tables.set(table, columns);
    for (const c of constraints) {
      if (c.contype === 'CONSTR_CHECK') this.addCheck(table, c, ordinal);
      if (c.contype === 'CONSTR_PRIMARY') for (const key of c.keys ?? []) this.setNotNull(table, String(nodeOf(key, 'String')?.sval), true);
    }
  }

  private alterTable(body: Pg.AlterTableStmt, ordinal: number): void {
    if (body.objtype && body.objtype !== 'OBJECT_TABLE') return;
    const table = rangeVarName(body.relation).qualified;
    for (const wrapped of body.cmds ?? []) {
      const cmd = nodeOf(wrapped, 'AlterTableCmd') ?? {};
      const column = String(cmd.name ?? '');
      switch (cmd.subtype) {
        case 'AT_AddColumn': {
          const def = nodeOf(cmd.def, 'ColumnDef') ?? {};
          const cons = columnConstraints(def);
          this.columnsOf(table).set(String(def.colname), {
            type: typeInfo(def.typeName),
            notNull: cons.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY'),
          });
          for (const c of cons) if (c.contype === 'CONSTR_CHECK') this.addCheck(table, c, ordinal);
          break;
        }
        case 'AT_DropColumn':
          this.tables.get(table)?.delete(column);
          break;
        case 'AT_AlterColumnType': {
          const known = this.columnsOf(table).get(column);
          this.columnsOf(table).set(column, { type: typeInfo(nodeOf(cmd.def, 'ColumnDef')?.typeName), notNull: known?.notNull ?? false });
          break;
        }
        case 'AT_SetNotNull':
          this.setNotNull(table, column, true);
          break;
        case 'AT_DropNotNull':
          this.setNotNull(table, column, false);
          break;
        case 'AT_AddConstraint': {
          const c = nodeOf(cmd.def, 'Constraint');
          if (c?.contype === 'CONSTR_CHECK') this.addCheck(table, c, ordinal);
          if (c?.indexname) this.useIndex(table, c, ordinal);
          break;
        }
        case 'AT_ValidateConstraint':
          for (const check of this.checks) {
            if (check.table === table && check.name === column && !check.validated) {
              check.validated = true;
              check.validatedIn = ordinal;
            }
          }
          break;
        case 'AT_DropConstraint':
          this.checks = this.checks.filter((check) => !(check.table === table && check.name === column));
          break;
        default:
          break;
      }
    }
  }

  private rename(body: Pg.RenameStmt): void {
    if (!body.relation) return;
    const rel = rangeVarName(body.relation);
    if (body.renameType === 'OBJECT_TABLE') {
      const columns = this.tables.get(rel.qualified);
      const renamed = qualify(rel.schema, String(body.newname)).qualified;
      if (columns) {
        this.tables.delete(rel.qualified);
        this.tables.set(renamed, columns);
      }
      for (const check of this.checks) if (check.table === rel.qualified) check.table = renamed;
    } else if (body.renameType === 'OBJECT_COLUMN') {
      const columns = this.tables.get(rel.qualified);
      const known = columns?.get(String(body.subname));
      if (columns && known) {
        columns.delete(String(body.subname));
        columns.set(String(body.newname), known);
      }
      for (const check of this.checks) {
        if (check.table === rel.qualified) check.columns = check.columns.map((c) => (c === body.subname ? String(body.newname) : c));
      }
    } else if (body.renameType === 'OBJECT_TABCONSTRAINT') {
      for (const check of this.checks) if (check.table === rel.qualified && check.name === body.subname) check.name = String(body.newname);
    }
  }

  private createIndex(body: Pg.IndexStmt): void {
    if (!body.idxname) return;
    const table = rangeVarName(body.relation);
    const params = (body.indexParams ?? []).map((p) => nodeOf(p, 'IndexElem') ?? {});
    const columns = params.every((p) => typeof p.name === 'string') ? params.map((p) => String(p.name)) : undefined;
    this.indexes.set(qualify(table.schema, String(body.idxname)).qualified, { table: table.qualified, columns });
  }

  /** `ADD CONSTRAINT c ... USING INDEX i`: i now belongs to c, renamed to c; PRIMARY KEY makes its columns NOT NULL. */
  private useIndex(table: string, constraint: Pg.Constraint, ordinal: number): void {
    const schema = table.slice(0, table.indexOf('.'));
    const name = qualify(schema, String(constraint.indexname)).qualified;
    const known = this.indexes.get(name) ?? { table, columns: undefined };
    const conname = constraint.conname ? String(constraint.conname) : String(constraint.indexname);
    const used: KnownIndex = { ...known, usedBy: { constraint: conname, ordinal } };
    this.indexes.set(name, used);
    const renamed = qualify(schema, conname).qualified;
    if (renamed !== name) this.indexes.set(renamed, { ...used });
    if (constraint.contype === 'CONSTR_PRIMARY') for (const column of known.columns ?? []) this.setNotNull(table, column, true);
  }

  private dropTable(table: string): void {
    this.tables.delete(table);
    for (const [name, index] of this.indexes) if (index.table === table) this.indexes.delete(name);
    this.checks = this.checks.filter((check) => check.table !== table);
  }

  private columnsOf(table: string): Map<string, KnownColumn> {
    let columns = this.tables.get(table);
    if (!columns) {
      columns = new Map();
      this.tables.set(table, columns);
    }
    return columns;
  }

  private setNotNull(table: string, column: string, notNull: boolean): void {
    const known = this.tables.get(table)?.get(column);
    if (known) known.notNull = notNull;
  }

  private addCheck(table: string, constraint: Pg.Constraint, ordinal: number): void {
    const columns = notNullTestedColumns(constraint.raw_expr);
    if (columns.length === 0) return;
    const validated = !constraint.skip_validation;
    const tableName = table.slice(table.indexOf('.') + 1);
    this.checks.push({
      table,
      // PostgreSQL's own name for an unnamed CHECK on one column.
      name: constraint.conname ? String(constraint.conname) : `${tableName}_${columns[0]}_check`,
      columns,
      validated,
      addedIn: ordinal,
      validatedIn: validated ? ordinal : undefined,
    });
  }
}
