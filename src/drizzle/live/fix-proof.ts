/**
 * The proof every fix passes before it is written, whatever drizzle-kit reads the schemas (0.31's
 * snapshots or 1.0's DDL): in the scratch database holding the replayed migrations, the fix must
 * change nothing; then, on a copy of the live schema made there from the replay, it must leave no
 * drift. Any failure is OPERATION_FAILED naming why, with the migration it would have written;
 * nothing is written. Changes only the scratch database.
 */
import type postgres from 'postgres';
import { DbctlError } from '../../errors.js';
import { runStatements } from './replay.js';

/** How the proof reads and compares a schema (one drizzle-kit line's reader). */
export interface ProofReader<Reading> {
  /** The scratch database's schema now. */
  read(): Promise<Reading>;
  /** Their differences: `drift` and one line each. */
  compare(
    actual: Reading,
    expected: Reading,
    labels?: { actual: string; expected: string },
  ): Promise<{ drift: boolean; summary: string[] }>;
}

/** What the proof needs: the fix, and how to turn the replay into a copy of the live schema. */
export interface FixProof<Reading> {
  scratch: postgres.Sql;
  statements: readonly string[];
  /** The live schema as read, and the replayed migrations' (before the fix ran). */
  actual: Reading;
  expected: Reading;
  /** SQL taking the replay to a copy of the live schema, and the differences no SQL can copy. */
  toLive: readonly string[];
  cannotCopy: readonly string[];
  /** Indexes invalid in the live database: left out of the copy. */
  invalidIndexes: readonly { schema: string; name: string }[];
}

/** Runs the proof; resolves when the fix is proven, else throws OPERATION_FAILED (nothing written). */
export async function proveFix<Reading>(proof: FixProof<Reading>, reader: ProofReader<Reading>): Promise<void> {
  const { scratch, statements, actual, expected } = proof;
  const refuse = (what: string, details: readonly string[]) =>
    new DbctlError('OPERATION_FAILED', `fix cannot prove its migration repairs the drift (${what}); nothing written`, {
      details: [...details.map((line) => `  - ${line}`), '  the migration it would have written:', ...statements.map((s) => `    ${s}`)],
      hint: 'repair these differences by hand (or in a `dbctl generate --custom` migration), then run `dbctl check --env` again',
    });
  // first on the replay itself: a fix is replayed by every later check and applied to environments
  // without this drift, where it must change nothing
  try {
    await runStatements(scratch, 'the fix', [...statements], 'the fix fails on the replayed migrations');
  } catch (error) {
    throw refuse('it fails where there is no drift', [(error as Error).message]);
  }
  const undone = await reader.compare(await reader.read(), expected, {
    actual: 'the replayed migrations with the fix',
    expected: 'the migrations',
  });
  if (undone.drift) throw refuse('where there is no drift it would change what the migrations made', undone.summary);
  if (proof.cannotCopy.length > 0) throw refuse('the live schema cannot be copied into the scratch database', proof.cannotCopy);
  const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
  try {
    await runStatements(scratch, 'copy', [...proof.toLive], 'the live schema cannot be copied into the scratch database');
    for (const index of proof.invalidIndexes) await scratch.unsafe(`DROP INDEX IF EXISTS ${ident(index.schema)}.${ident(index.name)}`);
  } catch (error) {
    throw refuse('the live schema cannot be copied into the scratch database', [(error as Error).message]);
  }
  const copyDrift = await reader.compare(await reader.read(), actual, { actual: 'the copy', expected: 'the database' });
  if (copyDrift.drift) throw refuse('the copy of the live schema differs from it', copyDrift.summary);
  try {
    await runStatements(scratch, 'the fix', [...statements], 'the fix fails on a copy of the live schema');
  } catch (error) {
    throw refuse('it fails on a copy of the live schema', [(error as Error).message]);
  }
  const left = await reader.compare(await reader.read(), expected);
  if (left.drift) throw refuse('applied to a copy of the live schema, it leaves drift', left.summary);
}
