/**
 * Naming what a destructive statement destroys, for plans, guards and messages. Kept apart from
 * the classifier so that commands which only print need not load it. Pure.
 */
import type { DestroyedObject } from './classify.js';

/** `DROP COLUMN public.users.email`: one destroyed object for messages and plans. */
export function describeDestroyed(d: DestroyedObject): string {
  if (d.kind === 'opaque') return d.name ? `${d.reason}: ${d.name}` : d.reason;
  const name = [d.schema, d.table, d.column ?? d.name].filter(Boolean).join('.');
  return `${d.reason} ${name}${d.cascade && !/CASCADE/.test(d.reason) ? ' (CASCADE)' : ''}`;
}
