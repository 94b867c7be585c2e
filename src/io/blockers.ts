/**
 * Finding who blocks a waiting migration: while a statement waits for a lock, a side connection
 * polls `pg_blocking_pids()` so that, if the lock never comes, the failure names the blocking
 * session (pid, user, application, state, how long its transaction is open, its query).
 */
import type postgres from 'postgres';

/** A session that held a lock the migration waited for. */
export interface BlockingSession {
  pid: number;
  user: string | null;
  application: string | null;
  state: string | null;
  /** Seconds its transaction has been open. */
  transactionSeconds: number | null;
  /** Its current or last query, where visible to our role. */
  query: string | null;
}

/** Starts watching; `stop()` returns the blockers last seen (empty when the statement never waited). */
export function watchBlockers(
  openMonitor: () => postgres.Sql,
  pid: number,
  startAfterMs = 150,
  everyMs = 250,
): { stop(): BlockingSession[] } {
  let seen: BlockingSession[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    if (stopped) return;
    try {
      const rows = await openMonitor()<BlockingSession[]>`
        select pid, usename as "user", application_name as application, state,
               round(extract(epoch from (now() - xact_start)))::int as "transactionSeconds",
               left(query, 500) as query
          from pg_stat_activity where pid = any (pg_blocking_pids(${pid}::int))`;
      if (rows.length > 0) seen = rows.map((r) => ({ ...r }));
    } catch {
      // watching is best effort; the migration's own error is what matters
    }
    if (!stopped) timer = setTimeout(poll, everyMs);
  };
  timer = setTimeout(poll, startAfterMs);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      return seen;
    },
  };
}

/** One line per blocker, for messages. */
export function describeBlocker(b: BlockingSession): string {
  const parts = [`pid ${b.pid}`];
  if (b.user) parts.push(`user ${b.user}`);
  if (b.application) parts.push(`application "${b.application}"`);
  if (b.state) parts.push(b.state);
  if (b.transactionSeconds !== null) parts.push(`transaction open ${b.transactionSeconds}s`);
  const query = b.query ? `: ${b.query.replace(/\s+/g, ' ').trim()}` : '';
  return `${parts.join(', ')}${query}`;
}
