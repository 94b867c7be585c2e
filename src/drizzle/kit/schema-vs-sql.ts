/**
 * `dbctl check --env`'s schema-vs-sql comparison, per drizzle-kit line: what the migrations' SQL
 * makes (the replayed scratch database) against the schema in code. On 0.31 through its internals
 * (the code's snapshot, aligned to the introspected one, diffed in push mode); on 1.0 through its
 * api-postgres (drift-v1.ts's `compareSqlWithCodeV1`). The caller words the result.
 */
import type postgres from 'postgres';
import type { DrizzleSettings } from '../../config/types.js';
import type { PgSnapshot } from '../live/introspect.js';
import { loadKit, resolveDrizzleKit } from './load.js';

/** The schema-vs-sql differences, one line each (empty when the SQL makes exactly what the code declares). */
export async function compareSqlWithCode(
  settings: DrizzleSettings,
  scratch: postgres.Sql,
  options: {
    /** The reading of the scratch database the drift check made (its own shape per line). */
    replayed: unknown;
    /** More migrations were replayed after that reading: the scratch database is read again. */
    pendingReplayed: boolean;
    excludeSchemas?: readonly string[] | undefined;
    /** Reads the schema in code (drizzle-kit 0.31's line) when the caller shares one reading of it; `codeSnapshot` by default. */
    code?: (settings: DrizzleSettings) => Promise<PgSnapshot>;
  },
): Promise<{ drift: boolean; summary: string[] }> {
  const installed = resolveDrizzleKit(settings.baseDir);
  if (installed.line === '1.0') {
    const { compareSqlWithCodeV1 } = await import('./drift-v1.js');
    type Reading = Parameters<typeof compareSqlWithCodeV1>[3]['replayed'];
    return await compareSqlWithCodeV1(installed, settings, scratch, {
      replayed: options.pendingReplayed ? null : (options.replayed as Reading),
      excludeSchemas: options.excludeSchemas,
    });
  }
  const [kit, { codeSnapshot }, { alignLive }, { withTableFilter }, { readSide, userSchemas, compareReadings }] = await Promise.all([
    loadKit(settings.baseDir),
    import('../live/code.js'),
    import('../live/align.js'),
    import('../live/introspect.js'),
    import('../live/compare.js'),
  ]);
  const sqlSide = options.pendingReplayed
    ? await readSide(scratch, settings, { schemas: await userSchemas(scratch), excludeSchemas: options.excludeSchemas, kit })
    : (options.replayed as import('../live/compare.js').SchemaReading);
  const code = withTableFilter(kit, settings, kit.pgSchema.parse(await (options.code ?? codeSnapshot)(settings)));
  const aligned = alignLive(sqlSide.schema.snapshot, code, sqlSide.schema.facts);
  const result = await compareReadings(
    { schema: { snapshot: aligned, facts: sqlSide.schema.facts }, extras: [] },
    { schema: { snapshot: code, facts: sqlSide.schema.facts }, extras: [] },
    kit,
    { actual: "the migrations' SQL", expected: 'the schema in code' },
  );
  return { drift: result.drift, summary: result.summary };
}
