/**
 * What a backup would hold, without taking it: for `dbctl migrate --dry-run`. Read-only.
 */
import type postgres from 'postgres';
import type { DestroyedObject } from '../core/classify.js';
import { readCatalog } from './catalog.js';
import { catalogQuestion, planBackup } from './plan.js';
import { expandObjects } from './take.js';
import { tableWithColumnNames, type SkippedObject } from './types.js';

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
 * Plans the backup of `destroyed` against the catalog as it is now, with what foreign keys and
 * `pg_depend` cascade to, as the real backup does. `failed`: objects the backup could not hold
 * (taking it would fail with BACKUP_FAILED).
 */
export async function previewBackup(
  sql: postgres.Sql,
  destroyed: readonly DestroyedObject[],
): Promise<{ items: PreviewItem[]; skipped: SkippedObject[]; failed: SkippedObject[] }> {
  return await sql.begin('isolation level repeatable read read only', async (tx) => {
    await tx`select pg_catalog.set_config('search_path', 'pg_catalog', true)`;
    const objects = await expandObjects(tx, destroyed);
    const plan = planBackup(objects, { ...(await readCatalog(tx, catalogQuestion(objects))), dependentsRead: true });
    return {
      items: plan.items.map(({ estimatedRows, reasons, ...item }) => ({ ...tableWithColumnNames(item), estimatedRows, reasons })),
      skipped: plan.skipped,
      failed: plan.failed,
    };
  });
}
