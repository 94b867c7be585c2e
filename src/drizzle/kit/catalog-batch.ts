/**
 * drizzle-kit's introspection (`fromDatabase`, 0.31) sends six catalog queries per table, one
 * table after another on one connection; several read `information_schema` views that PostgreSQL
 * evaluates for the whole catalog each time (15-30 ms per query), so a 50-table schema costs
 * about 300 queries and several seconds of server time.
 *
 * `batchedCatalog` hands drizzle-kit a `db` that recognises those per-table queries and answers
 * each from one query per kind run once for every table of the introspected schemas: the same SQL
 * (select list, joins, conditions) with the table condition widened to the schemas and the table's
 * schema and name added as keys, so each table gets the same rows it would have read itself.
 * drizzle-kit's own code still turns the rows into its snapshot. Rows come in a fixed order:
 * columns by number (as drizzle-kit orders them), a constraint's columns in the constraint's own
 * order (their position in `conkey`: a composite UNIQUE on (b, a) is (b, a), whatever the table's order), constraints and indexes by name; where
 * drizzle-kit's index query keeps an arbitrary one of several operator classes, the batch keeps the
 * column's own.
 *
 * A query is answered from a batch only when its text is exactly (up to white space) what
 * drizzle-kit 0.31 sends for that table; anything else (another drizzle-kit, another query, a name
 * drizzle-kit's own quoting cannot carry) goes to the database unchanged.
 */
import type { KitDb } from './db.js';

type Row = Record<string, unknown>;

/** One kind of per-table query: how to recognise it and the query for all tables at once. */
interface BatchedQuery {
  /** `[schema, table]` when `text` has the shape of this kind's per-table query. */
  names(text: string): [string, string] | undefined;
  /** The text drizzle-kit sends for one table. */
  perTable(schema: string, table: string): string;
  /** The query for every table in `schemas` (an SQL list of literals), with key columns. */
  batch(schemas: string): string;
}

const SCHEMA_KEY = '__dbctl_schema';
const TABLE_KEY = '__dbctl_table';
const KEYS = (schema: string, table: string) => `${schema} AS "${SCHEMA_KEY}", ${table} AS "${TABLE_KEY}",`;

/** The select list of drizzle-kit's column query (`getColumnsInfoQuery`); `relation` is the text passed to pg_get_serial_sequence. */
const columnsSelect = (relation: string) => `
    a.attrelid::regclass::text AS table_name,  -- Table, view, or materialized view name
    a.attname AS column_name,   -- Column name
    CASE 
        WHEN NOT a.attisdropped THEN 
            CASE 
                WHEN a.attnotnull THEN 'NO'
                ELSE 'YES'
            END 
        ELSE NULL 
    END AS is_nullable,  -- NULL or NOT NULL constraint
    a.attndims AS array_dimensions,  -- Array dimensions
    CASE 
        WHEN a.atttypid = ANY ('{int,int8,int2}'::regtype[]) 
        AND EXISTS (
            SELECT FROM pg_attrdef ad
            WHERE ad.adrelid = a.attrelid 
            AND ad.adnum = a.attnum 
            AND pg_get_expr(ad.adbin, ad.adrelid) = 'nextval(''' 
                || pg_get_serial_sequence(a.attrelid::regclass::text, a.attname)::regclass || '''::regclass)'
        )
        THEN CASE a.atttypid
            WHEN 'int'::regtype THEN 'serial'
            WHEN 'int8'::regtype THEN 'bigserial'
            WHEN 'int2'::regtype THEN 'smallserial'
        END
        ELSE format_type(a.atttypid, a.atttypmod)
    END AS data_type,  -- Column data type
--    ns.nspname AS type_schema,  -- Schema name
    pg_get_serial_sequence(${relation}, a.attname)::regclass AS seq_name,  -- Serial sequence (if any)
    c.column_default,  -- Column default value
    c.data_type AS additional_dt,  -- Data type from information_schema
    c.udt_name AS enum_name,  -- Enum type (if applicable)
    c.is_generated,  -- Is it a generated column?
    c.generation_expression,  -- Generation expression (if generated)
    c.is_identity,  -- Is it an identity column?
    c.identity_generation,  -- Identity generation strategy (ALWAYS or BY DEFAULT)
    c.identity_start,  -- Start value of identity column
    c.identity_increment,  -- Increment for identity column
    c.identity_maximum,  -- Maximum value for identity column
    c.identity_minimum,  -- Minimum value for identity column
    c.identity_cycle,  -- Does the identity column cycle?
    enum_ns.nspname AS type_schema  -- Schema of the enum type
FROM 
    pg_attribute a
JOIN 
    pg_class cls ON cls.oid = a.attrelid  -- Join pg_class to get table/view/materialized view info
JOIN 
    pg_namespace ns ON ns.oid = cls.relnamespace  -- Join namespace to get schema info
LEFT JOIN 
    information_schema.columns c ON c.column_name = a.attname 
        AND c.table_schema = ns.nspname 
        AND c.table_name = cls.relname  -- Match schema and table/view name
LEFT JOIN 
    pg_type enum_t ON enum_t.oid = a.atttypid  -- Join to get the type info
LEFT JOIN 
    pg_namespace enum_ns ON enum_ns.oid = enum_t.typnamespace  -- Join to get the enum schema
WHERE 
    a.attnum > 0  -- Valid column numbers only
    AND NOT a.attisdropped  -- Skip dropped columns
    AND cls.relkind IN ('r', 'v', 'm')  -- Include regular tables ('r'), views ('v'), and materialized views ('m')
`;

const COLUMNS: BatchedQuery = {
  names: (text) =>
    pair(
      /AND ns\.nspname = '([^']*)'\s*-- Filter by schema\s*AND cls\.relname = '([^']*)'\s*-- Filter by table name\s*ORDER BY\s+a\.attnum;\s*-- Order by column number\s*$/.exec(
        text,
      ),
      1,
      2,
    ),
  perTable: (schema, table) => `SELECT ${columnsSelect(`'"${schema}"."${table}"'`)}    AND ns.nspname = '${schema}'  -- Filter by schema
    AND cls.relname = '${table}'  -- Filter by table name
ORDER BY 
    a.attnum;  -- Order by column number`,
  batch: (schemas) => `SELECT ${KEYS('ns.nspname', 'cls.relname')} ${columnsSelect(`'"' || ns.nspname || '"."' || cls.relname || '"'`)}
    AND ns.nspname IN (${schemas})
ORDER BY ns.nspname, cls.relname, a.attnum`,
};

const CONSTRAINTS_FROM = `
      FROM information_schema.table_constraints tc
      JOIN information_schema.constraint_column_usage AS ccu USING (constraint_schema, constraint_name)
      JOIN information_schema.columns AS c ON c.table_schema = tc.constraint_schema
        AND tc.table_name = c.table_name AND ccu.column_name = c.column_name`;

const CONSTRAINTS: BatchedQuery = {
  names: (text) => pair(/WHERE tc\.table_name = '([^']*)' and constraint_schema = '([^']*)';\s*$/.exec(text), 2, 1),
  perTable: (schema, table) => `SELECT c.column_name, c.data_type, constraint_type, constraint_name, constraint_schema${CONSTRAINTS_FROM}
      WHERE tc.table_name = '${table}' and constraint_schema = '${schema}';`,
  // a constraint's columns in the constraint's own order (their position in conkey), not the table's.
  // Each information_schema view is read once, for the schemas, before the joins (MATERIALIZED): on
  // a catalog whose statistics lag behind (a database just made, a scratch replay) the planner
  // otherwise re-evaluates the views inside nested loops, seconds for 50 tables. Same rows: every
  // join condition pins the schema on both sides, so filtering each view by it first keeps them all.
  batch: (schemas) => `WITH tc AS MATERIALIZED (
        SELECT constraint_schema, constraint_name, table_name, constraint_type FROM information_schema.table_constraints
         WHERE constraint_schema IN (${schemas})
      ), ccu AS MATERIALIZED (
        SELECT constraint_schema, constraint_name, column_name FROM information_schema.constraint_column_usage
         WHERE constraint_schema IN (${schemas})
      ), c AS MATERIALIZED (
        SELECT table_schema, table_name, column_name, data_type, ordinal_position FROM information_schema.columns
         WHERE table_schema IN (${schemas})
      ), key_order AS MATERIALIZED (
        SELECT kn.nspname AS key_schema, kt.relname AS key_table, k.conname AS key_name, ka.attname AS key_column,
               array_position(k.conkey, ka.attnum) AS key_position
          FROM pg_catalog.pg_constraint k
          JOIN pg_catalog.pg_namespace kn ON kn.oid = k.connamespace
          JOIN pg_catalog.pg_class kt ON kt.oid = k.conrelid
          JOIN pg_catalog.pg_attribute ka ON ka.attrelid = k.conrelid AND ka.attnum = ANY (k.conkey)
         WHERE kn.nspname IN (${schemas})
      )
      SELECT ${KEYS('constraint_schema', 'tc.table_name')} c.column_name, c.data_type, constraint_type, constraint_name, constraint_schema
        FROM tc
        JOIN ccu USING (constraint_schema, constraint_name)
        JOIN c ON c.table_schema = tc.constraint_schema AND tc.table_name = c.table_name AND ccu.column_name = c.column_name
        LEFT JOIN key_order
          ON key_order.key_schema = constraint_schema AND key_order.key_table = tc.table_name
         AND key_order.key_name = constraint_name AND key_order.key_column = c.column_name
       ORDER BY constraint_schema, tc.table_name, constraint_name, key_order.key_position, c.ordinal_position`,
};

const CHECKS_SELECT = `
						tc.constraint_name,
						tc.constraint_type,
						pg_get_constraintdef(con.oid) AS constraint_definition
					FROM 
						information_schema.table_constraints AS tc
						JOIN pg_constraint AS con 
							ON tc.constraint_name = con.conname
							AND con.conrelid = (
								SELECT oid 
								FROM pg_class 
								WHERE relname = tc.table_name 
								AND relnamespace = (
									SELECT oid 
									FROM pg_namespace 
									WHERE nspname = tc.constraint_schema
								)
							)
					WHERE `;

const CHECKS: BatchedQuery = {
  names: (text) =>
    pair(
      /tc\.table_name = '([^']*)'\s+AND tc\.constraint_schema = '([^']*)'\s+AND tc\.constraint_type = 'CHECK'\s+AND con\.contype = 'c';\s*$/.exec(
        text,
      ),
      2,
      1,
    ),
  perTable: (schema, table) => `SELECT ${CHECKS_SELECT}
						tc.table_name = '${table}'
						AND tc.constraint_schema = '${schema}'
						AND tc.constraint_type = 'CHECK'
						AND con.contype = 'c';`,
  batch: (schemas) => `SELECT ${KEYS('tc.constraint_schema', 'tc.table_name')} ${CHECKS_SELECT}
						tc.constraint_schema IN (${schemas})
						AND tc.constraint_type = 'CHECK'
						AND con.contype = 'c'
					ORDER BY tc.constraint_schema, tc.table_name, con.oid`,
};

const FOREIGN_KEYS_SELECT = `
            con.contype AS constraint_type,
            nsp.nspname AS constraint_schema,
            con.conname AS constraint_name,
            rel.relname AS table_name,
            att.attname AS column_name,
            fnsp.nspname AS foreign_table_schema,
            frel.relname AS foreign_table_name,
            fatt.attname AS foreign_column_name,
            CASE con.confupdtype
              WHEN 'a' THEN 'NO ACTION'
              WHEN 'r' THEN 'RESTRICT'
              WHEN 'n' THEN 'SET NULL'
              WHEN 'c' THEN 'CASCADE'
              WHEN 'd' THEN 'SET DEFAULT'
            END AS update_rule,
            CASE con.confdeltype
              WHEN 'a' THEN 'NO ACTION'
              WHEN 'r' THEN 'RESTRICT'
              WHEN 'n' THEN 'SET NULL'
              WHEN 'c' THEN 'CASCADE'
              WHEN 'd' THEN 'SET DEFAULT'
            END AS delete_rule
          FROM
            pg_catalog.pg_constraint con
            JOIN pg_catalog.pg_class rel ON rel.oid = con.conrelid
            JOIN pg_catalog.pg_namespace nsp ON nsp.oid = con.connamespace
            LEFT JOIN pg_catalog.pg_attribute att ON att.attnum = ANY (con.conkey)
              AND att.attrelid = con.conrelid
            LEFT JOIN pg_catalog.pg_class frel ON frel.oid = con.confrelid
            LEFT JOIN pg_catalog.pg_namespace fnsp ON fnsp.oid = frel.relnamespace
            LEFT JOIN pg_catalog.pg_attribute fatt ON fatt.attnum = ANY (con.confkey)
              AND fatt.attrelid = con.confrelid
          WHERE`;

const FOREIGN_KEYS: BatchedQuery = {
  names: (text) =>
    pair(/WHERE\s+nsp\.nspname = '([^']*)'\s+AND rel\.relname = '([^']*)'\s+AND con\.contype IN \('f'\);\s*$/.exec(text), 1, 2),
  perTable: (schema, table) => `SELECT${FOREIGN_KEYS_SELECT}
            nsp.nspname = '${schema}'
            AND rel.relname = '${table}'
            AND con.contype IN ('f');`,
  batch: (schemas) => `SELECT ${KEYS('nsp.nspname', 'rel.relname')}${FOREIGN_KEYS_SELECT}
            nsp.nspname IN (${schemas})
            AND con.contype IN ('f')
          ORDER BY nsp.nspname, rel.relname, con.oid, array_position(con.conkey, att.attnum), array_position(con.confkey, fatt.attnum)`,
};

const INDEXES_SELECT = `t.relname as table_name, ic.relname AS indexname,
        k.i AS index_order,
        i.indisunique as is_unique,
        am.amname as method,
        ic.reloptions as with,
        coalesce(a.attname, pg_get_indexdef(i.indexrelid, k.i, false)) AS column_name,
          CASE
        WHEN pg_get_expr(i.indexprs, i.indrelid) IS NOT NULL THEN 1
        ELSE 0
    END AS is_expression,
        i.indoption[k.i-1] & 1 = 1 AS descending,
        i.indoption[k.i-1] & 2 = 2 AS nulls_first,
        pg_get_expr(
                              i.indpred,
                              i.indrelid
                          ) as where,
         opc.opcname
      FROM pg_class t
          LEFT JOIN pg_index i ON t.oid = i.indrelid
          LEFT JOIN pg_class ic ON ic.oid = i.indexrelid
		  CROSS JOIN LATERAL (SELECT unnest(i.indkey), generate_subscripts(i.indkey, 1) + 1) AS k(attnum, i)
          LEFT JOIN pg_attribute AS a
            ON i.indrelid = a.attrelid AND k.attnum = a.attnum
          JOIN pg_namespace c on c.oid = t.relnamespace
        LEFT JOIN pg_am AS am ON ic.relam = am.oid
        JOIN pg_opclass opc ON opc.oid = ANY(i.indclass)
      WHERE`;

const INDEXES: BatchedQuery = {
  names: (text) => pair(/WHERE\s+c\.nspname = '([^']*)' AND\s+t\.relname = '([^']*)';\s*$/.exec(text), 1, 2),
  perTable: (schema, table) => `SELECT  DISTINCT ON (t.relname, ic.relname, k.i) ${INDEXES_SELECT}
      c.nspname = '${schema}' AND
      t.relname = '${table}';`,
  batch: (schemas) => `SELECT DISTINCT ON (c.nspname, t.relname, ic.relname, k.i) ${KEYS('c.nspname', 't.relname')} ${INDEXES_SELECT}
      c.nspname IN (${schemas})
      ORDER BY c.nspname, t.relname, ic.relname, k.i, opc.oid = i.indclass[k.i - 1] DESC, opc.opcname`,
};

const CONSTRAINT_INDEXES_SELECT = `
          idx.indexrelname AS index_name,
          idx.relname AS table_name,
          schemaname,
          CASE WHEN con.conname IS NOT NULL THEN 1 ELSE 0 END AS generated_by_constraint
        FROM
          pg_stat_user_indexes idx
        LEFT JOIN
          pg_constraint con ON con.conindid = idx.indexrelid
        WHERE`;

const CONSTRAINT_INDEXES: BatchedQuery = {
  names: (text) =>
    pair(
      /WHERE idx\.relname = '([^']*)' and schemaname = '([^']*)'\s+group by index_name, table_name,schemaname, generated_by_constraint;\s*$/.exec(
        text,
      ),
      2,
      1,
    ),
  perTable: (schema, table) => `SELECT${CONSTRAINT_INDEXES_SELECT} idx.relname = '${table}' and schemaname = '${schema}'
        group by index_name, table_name,schemaname, generated_by_constraint;`,
  batch: (schemas) => `SELECT ${KEYS('schemaname', 'idx.relname')}${CONSTRAINT_INDEXES_SELECT} schemaname IN (${schemas})
        group by index_name, table_name,schemaname, generated_by_constraint
        ORDER BY schemaname, table_name, index_name, generated_by_constraint`,
};

const KINDS: readonly BatchedQuery[] = [COLUMNS, CONSTRAINTS, CHECKS, FOREIGN_KEYS, INDEXES, CONSTRAINT_INDEXES];

function pair(match: RegExpExecArray | null, schemaGroup: number, tableGroup: number): [string, string] | undefined {
  return match ? [match[schemaGroup]!, match[tableGroup]!] : undefined;
}

const normalise = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Every per-table query ends with its table condition within this many characters (names are at most 63 bytes). */
const TAIL = 512;

/** How many queries a batched `db` answered from batches and how many it sent on. */
export interface BatchStats {
  /** Queries sent to the database (batches included). */
  sent: number;
  /** Per-table queries answered from a batch. */
  answered: number;
}

/**
 * A drizzle-kit `db` over `db` that answers drizzle-kit's per-table catalog queries for tables in
 * `schemas` from one query per kind (see the top of this file). Read-only, like the queries it
 * replaces; use it inside the transaction the introspection runs in.
 */
export function batchedCatalog(db: KitDb, schemas: readonly string[], stats: BatchStats = { sent: 0, answered: 0 }): KitDb {
  const wanted = new Set(schemas);
  const list = schemas.map((schema) => `'${schema.replace(/'/g, "''")}'`).join(', ');
  const batches = new Map<BatchedQuery, Promise<Map<string, Row[]>>>();
  const send = (text: string, params?: unknown[]) => {
    stats.sent++;
    return db.query(text, params);
  };
  // drizzle-kit asks each table for its columns first and for the other kinds after; all batches
  // go out together on the first question, so the server runs them back to back
  const batchOf = (kind: BatchedQuery) => {
    if (batches.size === 0) {
      for (const each of KINDS) {
        const batch = send(each.batch(list)).then(groupByTable);
        batch.catch(() => undefined); // rejections reach the queries that use the batch
        batches.set(each, batch);
      }
    }
    return batches.get(kind)!;
  };
  return {
    query: async (text, params) => {
      if (!params?.length && schemas.length > 0) {
        const tail = text.slice(-TAIL); // where the names are
        for (const kind of KINDS) {
          const names = kind.names(tail);
          if (!names) continue;
          const [schema, table] = names;
          const expected = kind.perTable(schema, table);
          if (!wanted.has(schema) || (text !== expected && normalise(text) !== normalise(expected))) break;
          const rows = (await batchOf(kind)).get(key(schema, table)) ?? [];
          stats.answered++;
          return rows.map((row) => ({ ...row }));
        }
      }
      return await send(text, params);
    },
  };
}

const key = (schema: string, table: string) => `${schema}\u0000${table}`;

/** Rows by `schema\0table`, without the key columns, in query order. */
function groupByTable(rows: Row[]): Map<string, Row[]> {
  const grouped = new Map<string, Row[]>();
  for (const { [SCHEMA_KEY]: schema, [TABLE_KEY]: table, ...row } of rows) {
    const k = key(String(schema), String(table));
    const list = grouped.get(k);
    if (list) list.push(row);
    else grouped.set(k, [row]);
  }
  return grouped;
}
