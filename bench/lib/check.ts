/**
 * Issue 5's measures: `dbctl check` on a 200-migration project with a 50-table schema, without
 * `--env` (schema vs newest snapshot, folder consistency, review) and with `--env` against a
 * database `dbctl migrate` brought up to date (adds history, pending and live-schema drift).
 * Absolute targets; `drizzle-kit check` (folder consistency only, no schema or review) is timed
 * beside the first as a reference.
 */
import { tableCount, type Corpus } from './corpus.js';
import { alternateSides, noSamples, ok, record, type Paired } from './measures.js';
import { dbctlBin, drizzleKitBin } from './paths.js';
import { timedNode, type TimedResult } from './proc.js';
import { createProject } from './project.js';
import type { BenchServer } from './server.js';

/** One `dbctl check` run's verdict per check id, from `--format json`. */
export interface CheckVerdicts {
  exit: number;
  /** e.g. `schema pass`, `review fail`. */
  checks: string[];
}

/** What issue 5's measures found. */
export interface CheckResults {
  /** `dbctl check` vs `drizzle-kit check` (reference), no database. */
  offline: Paired;
  /** `dbctl check --env development` (baseline samples empty). */
  online: Paired;
  offlineVerdicts: CheckVerdicts;
  onlineVerdicts: CheckVerdicts;
  migrations: number;
  tables: number;
}

/** Accepts exit 0 (every check passed) or 1 (some failed): both ran every check. */
function checked(what: string, result: TimedResult): TimedResult {
  if (result.code === 0 || result.code === 1) return result;
  return ok(what, result);
}

/** The check ids and their status from a `--format json` document (whatever its exact shape). */
function verdicts(result: TimedResult): CheckVerdicts {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if (typeof o.id === 'string' && typeof o.status === 'string') found.push(`${o.id} ${o.status}`);
      else if (typeof o.id === 'string' && typeof o.ok === 'boolean') found.push(`${o.id} ${o.ok ? 'pass' : 'fail'}`);
      else Object.values(o).forEach(walk);
    }
  };
  try {
    walk(JSON.parse(result.stdout));
  } catch {
    found.push('(unparsed output)');
  }
  return { exit: result.code, checks: found };
}

/** Runs both measures on `corpus` (its final schema file matches its newest snapshot). */
export async function checkMeasures(server: BenchServer, corpus: Corpus, runs: number): Promise<CheckResults> {
  const project = await createProject('check', corpus);
  try {
    const url = await server.createDatabase('check_env');
    ok('dbctl migrate (setup)', await project.migrate('dbctl', url));
    const env = { DATABASE_URL: url };
    const dbctl = (args: string[]) => timedNode(dbctlBin, ['check', ...args], { cwd: project.dir, env });

    // warm-up runs, which also record what each check said
    const offlineVerdicts = verdicts(checked('dbctl check --format json', await dbctl(['--format', 'json'])));
    const onlineVerdicts = verdicts(
      checked('dbctl check --env development --format json', await dbctl(['--env', 'development', '--format', 'json'])),
    );
    ok('drizzle-kit check', await timedNode(drizzleKitBin, ['check'], { cwd: project.dir, env }));

    const offline = await alternateSides(runs, async (side) =>
      side === 'dbctl'
        ? checked('dbctl check', await dbctl([]))
        : ok('drizzle-kit check', await timedNode(drizzleKitBin, ['check'], { cwd: project.dir, env })),
    );
    const online: Paired = { dbctl: noSamples(), baseline: noSamples() };
    for (let i = 0; i < runs; i++) {
      try {
        record(online.dbctl, checked('dbctl check --env development', await dbctl(['--env', 'development'])));
      } catch (error) {
        online.dbctl.error = error instanceof Error ? error.message : String(error);
        break;
      }
    }
    await server.dropDatabase('check_env');
    return { offline, online, offlineVerdicts, onlineVerdicts, migrations: corpus.tags.length, tables: tableCount(corpus) };
  } finally {
    await project.cleanup();
  }
}
