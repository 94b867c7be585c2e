/**
 * Read-only size facts of the live database for review: estimated rows (`pg_class.reltuples`)
 * and total size of every user table, so a rewrite of a 20M-row table reads as the outage it is.
 */
import type postgres from 'postgres';
import type { ReviewFacts } from '../review/types.js';

/** Row and size estimates keyed `schema.table`; never writes. */
export async function readTableFacts(sql: postgres.Sql): Promise<ReviewFacts> {
  const rows = await sql<{ name: string; rows: number; bytes: string }[]>`
    select n.nspname || '.' || c.relname as name,
           c.reltuples::float8 as rows,
           pg_total_relation_size(c.oid)::text as bytes
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p', 'm')
       and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`;
  // reltuples is -1 until the table is first analyzed: leave it out rather than guess it small
  const known = rows.filter((r) => Number(r.rows) >= 0);
  return { tables: Object.fromEntries(known.map((r) => [r.name, { rows: Number(r.rows), bytes: Number(r.bytes) }])) };
}
