/**
 * Whether a column DEFAULT forces PostgreSQL (11+) to rewrite the table when the column is added:
 * a non-volatile default is stored once in the catalog, a volatile one is computed for every row.
 */
import { calledFunctions } from '../../sql/ast.js';

/** Built-in functions that are VOLATILE, so a DEFAULT using them rewrites the table. */
export const VOLATILE_FUNCTIONS: ReadonlySet<string> = new Set([
  'random',
  'random_normal',
  'gen_random_uuid',
  'uuidv4',
  'uuidv7',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'setval',
  'txid_current',
  'pg_current_xact_id',
]);

/** Built-in functions that are STABLE or IMMUTABLE: a DEFAULT using only these needs no rewrite. */
export const NON_VOLATILE_FUNCTIONS: ReadonlySet<string> = new Set([
  'now',
  'transaction_timestamp',
  'statement_timestamp',
  'current_date',
  'current_timestamp',
  'localtimestamp',
  'lower',
  'upper',
  'trim',
  'btrim',
  'ltrim',
  'rtrim',
  'concat',
  'concat_ws',
  'length',
  'char_length',
  'substr',
  'substring',
  'replace',
  'left',
  'right',
  'abs',
  'round',
  'trunc',
  'floor',
  'ceil',
  'greatest',
  'least',
  'coalesce',
  'nullif',
  'make_date',
  'make_time',
  'make_timestamp',
  'make_timestamptz',
  'make_interval',
  'date_trunc',
  'to_char',
  'to_date',
  'to_timestamp',
  'to_number',
  'age',
  'date_part',
  'extract',
  'jsonb_build_object',
  'json_build_object',
  'jsonb_build_array',
  'json_build_array',
  'to_json',
  'to_jsonb',
  'array_fill',
  'md5',
  'current_setting',
  'current_user',
  'current_schema',
]);

/** How a default expression behaves. */
export interface DefaultVolatility {
  /** Functions known to be volatile (the table is rewritten). */
  volatile: string[];
  /** Functions whose volatility is unknown (user functions are VOLATILE unless declared otherwise). */
  unknown: string[];
  /** Source location of the first volatile or unknown call, or -1. */
  location: number;
}

/** Inspects a DEFAULT expression for calls that make it volatile. */
export function defaultVolatility(expr: unknown): DefaultVolatility {
  const result: DefaultVolatility = { volatile: [], unknown: [], location: -1 };
  if (!expr) return result;
  for (const call of calledFunctions(expr)) {
    if (VOLATILE_FUNCTIONS.has(call.name)) result.volatile.push(call.name);
    else if (!NON_VOLATILE_FUNCTIONS.has(call.name)) result.unknown.push(call.name);
    else continue;
    if (result.location < 0) result.location = call.location;
  }
  return result;
}

/** Types that give a column an implicit `nextval()` default. */
export const SERIAL_TYPES: ReadonlySet<string> = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);
