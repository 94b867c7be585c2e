/**
 * The migrations replayed into a scratch database, for as long as a piece of work needs them:
 * opens the scratch database (src/io/scratch.ts: shadow, the environment's server, embedded),
 * creates the live database's extensions, replays the migrations, runs the work, and always drops
 * the scratch database afterwards.
 */
import type postgres from 'postgres';
import type { LocalMigration } from '../folder.js';
import { openScratch, type ScratchDatabase, type ScratchOptions } from '../../io/scratch.js';
import { prepareReplay, readExtensions, replayMigrations, type ReplayResult } from './replay.js';

/** What the work gets. */
export interface Replayed {
  scratch: ScratchDatabase;
  replay: ReplayResult;
}

/**
 * Replays `migrations` (in the order given) into a scratch database and runs `work` on it. The
 * migrations may still be coming (a status being read): the scratch database is made meanwhile.
 * `options.onSent` is called when the replay is on its way to the server, or could not start.
 */
export async function withReplay<T>(
  live: postgres.Sql,
  migrations: readonly LocalMigration[] | Promise<readonly LocalMigration[]>,
  options: ScratchOptions & { onSent?: () => void },
  work: (replayed: Replayed) => Promise<T>,
): Promise<T> {
  const extensions = readExtensions(live);
  const prepared = Promise.resolve(migrations).then(prepareReplay); // parsed while the scratch database is made
  for (const started of [extensions, prepared]) started.catch(() => undefined); // awaited below
  let scratch: ScratchDatabase;
  try {
    scratch = await openScratch(options);
  } catch (error) {
    options.onSent?.();
    throw error;
  }
  try {
    const replay = await replayMigrations(scratch.sql, await prepared, await extensions, { onSent: options.onSent });
    return await work({ scratch, replay });
  } finally {
    options.onSent?.(); // when the replay could not start
    await scratch.drop();
  }
}

/**
 * The applied migrations in the order the database applied them (drizzle's row ids), then any
 * others given (a migration that stopped part-way, completed by a fix).
 */
export function appliedOrder<M extends { migration: LocalMigration; row: { id: number } | null }>(planned: readonly M[]): LocalMigration[] {
  return [...planned]
    .sort((a, b) => (a.row?.id ?? Number.MAX_SAFE_INTEGER) - (b.row?.id ?? Number.MAX_SAFE_INTEGER))
    .map((p) => p.migration);
}
