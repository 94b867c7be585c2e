/**
 * The database handle drizzle-kit's introspection and push checks query through: `query(text,
 * params)` resolving to rows. Its own module, so the catalog batching (catalog-batch.ts) and the
 * introspection (../live/introspect.ts) both depend on it and not on each other.
 */

/** What drizzle-kit's `fromDatabase`/`pgSuggestions` call: one query, its rows. */
export interface KitDb {
  query: (text: string, params?: unknown[]) => Promise<any[]>;
}
