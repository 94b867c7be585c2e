/**
 * What a backup would hold, without taking it: for `dbctl migrate --dry-run`. Read-only.
 */
import type postgres from 'postgres';
import type { DestroyedObject } from '../core/classify.js';
import { readCatalog } from './catalog.js';
import { catalogQuestion, planBackup } from './plan.js';
import type { SkippedObject } from './types.js';

/** One table a backup would copy. */
export interface PreviewItem {
  schema: string;
  table: string;
  whole: boolean;
  columns: string[];
  /** The planner's row estimate (`reltuples`). */
  estimatedRows: number;
  reasons: string[];
}

/**
 * Plans the backup of `destroyed` against the catalog as it is now (cascades through foreign
 * keys are not followed here; the real backup adds them).
 */
export async function previewBackup(sql: postgres.Sql, destroyed: readonly DestroyedObject[]): Promise<{ items: PreviewItem[]; skipped: SkippedObject[] }> {
  return await sql.begin('isolation level repeatable read read only', async (tx) => {
    await tx`select pg_catalog.set_config('search_path', 'pg_catalog', true)`;
    const plan = planBackup(destroyed, await readCatalog(tx, catalogQuestion(destroyed)));
    return {
      items: plan.items.map((i) => ({ schema: i.schema, table: i.table, whole: i.whole, columns: i.columns.map((c) => c.name), estimatedRows: i.estimatedRows, reasons: i.reasons })),
      skipped: plan.skipped,
    };
  });
}
