/**
 * What drizzle's snapshots say about renames: drizzle-kit asks "rename or create?" whenever a
 * migration drops a table (or a column of a table) and adds another. When the migration's snapshot
 * and its predecessor's show such a pair, drizzle-kit asked and was answered "create" (a "rename"
 * answer would have written RENAME): rename-as-drop-and-add then stays quiet for those objects.
 * Pure: reads parsed snapshot JSON (drizzle-kit 0.31's `tables` map or 1.0's `ddl` list).
 */

/** Tables (`schema.table`) and their columns, as one snapshot records them. */
type Shape = Map<string, Set<string>>;

/**
 * The fields of a snapshot this module reads (drizzle-kit 0.31's `tables` map, 1.0's `ddl` list);
 * JSON from a file, so every field may be missing or of another type, and is checked as it is read.
 */
interface SnapshotJson {
  tables?: Record<string, { name?: unknown; schema?: unknown; columns?: object | null } | null>;
  ddl?: ({ entityType?: unknown; schema?: unknown; name?: unknown; table?: unknown } | null)[];
}

/** Reads a snapshot's tables and columns; undefined when the JSON is neither known shape. */
export function snapshotShape(snapshot: unknown): Shape | undefined {
  if (!snapshot || typeof snapshot !== 'object') return undefined;
  const s = snapshot as SnapshotJson;
  const shape: Shape = new Map();
  if (s.tables && typeof s.tables === 'object') {
    for (const [key, table] of Object.entries(s.tables)) {
      const name = table?.name ? `${table.schema || 'public'}.${table.name}` : key.includes('.') ? key : `public.${key}`;
      shape.set(name, new Set(Object.keys(table?.columns ?? {})));
    }
    return shape;
  }
  if (Array.isArray(s.ddl)) {
    for (const entity of s.ddl) {
      if (entity?.entityType === 'tables') {
        const name = `${entity.schema || 'public'}.${entity.name}`;
        if (!shape.has(name)) shape.set(name, new Set());
      }
    }
    for (const entity of s.ddl) {
      if (entity?.entityType === 'columns') {
        const name = `${entity.schema || 'public'}.${entity.table}`;
        const columns = shape.get(name) ?? new Set<string>();
        columns.add(String(entity.name));
        shape.set(name, columns);
      }
    }
    return shape;
  }
  return undefined;
}

/**
 * The objects drizzle-kit was told are new: tables added while another table was dropped, and
 * columns added to a table that also lost a column (`schema.table`, `schema.table.column`).
 * `previous` undefined means the empty schema (the first migration).
 */
export function answeredCreate(previous: unknown, current: unknown): string[] {
  const before = previous === undefined ? new Map() : snapshotShape(previous);
  const after = snapshotShape(current);
  if (!before || !after) return [];
  const out: string[] = [];
  const droppedTable = [...before.keys()].some((t) => !after.has(t));
  for (const [table, columns] of after) {
    const old = before.get(table);
    if (!old) {
      if (droppedTable) out.push(table);
      continue;
    }
    const droppedColumn = [...old].some((c) => !columns.has(c));
    if (!droppedColumn) continue;
    for (const column of columns) if (!old.has(column)) out.push(`${table}.${column}`);
  }
  return out;
}
