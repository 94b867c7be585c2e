/**
 * drizzle-kit 1.0, driven through its own CLI: `drizzle-kit generate --output json`, with rename
 * questions answered by `--hints` (1.0's non-interactive answers). Its public `api-postgres` gives
 * the SQL of a diff but not the snapshot `drizzle-kit generate` writes beside it (its `deltas`,
 * `footprints` and `prevIds` come from internals the api does not export), so dbctl runs the
 * command itself: the files are drizzle-kit's by construction, byte for byte.
 *
 * The child never asks: stdin is not a terminal, and every question left without a flag comes back
 * as `missing_hints`, which dbctl turns into its own exit-2 list of flags.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { DbctlError } from '../../errors.js';
import { namesNew, parseRename, shellWord } from '../generate/renames.js';
import type { AppliedRename, EntityKind } from '../generate/types.js';
import type { InstalledKit } from './load.js';

/** One of drizzle-kit 1.0's hints (`src/cli/hints.ts`). */
export type KitHint = { type: 'rename'; kind: string; from: string[]; to: string[] } | { type: 'create'; kind: string; entity: string[] };

/** A question drizzle-kit 1.0 could not answer without a hint. */
export interface MissingHint {
  type: string;
  kind: string;
  entity: string[];
}

/** What `drizzle-kit generate --output json` answered. */
type GenerateAnswer =
  | { status: 'ok'; migration_path: string }
  | { status: 'no_changes' }
  | { status: 'missing_hints'; unresolved: MissingHint[] }
  | { status: string; [key: string]: unknown };

/** The parts of an entity of each kind (drizzle-kit 1.0's hint tuples). */
export const TUPLE_LENGTH: Record<string, number> = { schema: 1, role: 1, table: 2, enum: 2, sequence: 2, view: 2 };

/** An entity as dbctl's flags spell it: `users.age`, `auth.users`, `public` left out. */
export function spellEntity(entity: readonly string[]): string {
  return (entity.length >= 2 && entity[0] === 'public' ? entity.slice(1) : entity).join('.');
}

/**
 * The `--rename`/`--create` answers of one run, matched against drizzle-kit 1.0's questions (its
 * generate and its api ask the same ones): each flag used at most once, the renames applied kept.
 */
export class RenameAnswers {
  private readonly renames: { from: string; to: string; used: boolean }[];
  private readonly creates: { name: string; used: boolean }[];
  /** The renames the answers applied, as generate reports them. */
  readonly applied: AppliedRename[] = [];

  constructor(renames: readonly string[], creates: readonly string[]) {
    this.renames = renames.map((raw) => ({ ...parseRename(raw), used: false }));
    this.creates = creates.map((name) => ({ name: name.trim(), used: false }));
  }

  /** True when any flag was given. */
  get given(): boolean {
    return this.renames.length + this.creates.length > 0;
  }

  /** The hint answering `question`, or null when no flag answers it. */
  answer(question: MissingHint): KitHint | null {
    const spelled = spellEntity(question.entity);
    const full = question.entity.join('.');
    const create = this.creates.find((c) => c.name === spelled || c.name === full);
    if (create) {
      create.used = true;
      return { type: 'create', kind: question.kind, entity: question.entity };
    }
    const rename = this.renames.find((r) => namesNew(r, spelled) || namesNew(r, full));
    if (!rename) return null;
    rename.used = true;
    const length = TUPLE_LENGTH[question.kind] ?? 3;
    const given = rename.from.split('.');
    const from = [...question.entity.slice(0, Math.max(0, length - given.length)), ...given.slice(-length)];
    this.applied.push({ kind: question.kind as EntityKind, from: spellEntity(from), to: spelled });
    return { type: 'rename', kind: question.kind, from, to: question.entity };
  }

  /** USAGE when a flag answered no question of this schema change. */
  assertAllUsed(): void {
    const unused = [
      ...this.renames.filter((r) => !r.used).map((r) => `--rename ${shellWord(`${r.from}=${r.to}`)}`),
      ...this.creates.filter((c) => !c.used).map((c) => `--create ${shellWord(c.name)}`),
    ];
    if (unused.length === 0) return;
    throw new DbctlError(
      'USAGE',
      `${unused.join(', ')} ${unused.length === 1 ? 'answers' : 'answer'} no rename question of this schema change`,
      {
        hint: 'check the spelling (table.column, schema.table.column outside public), or drop the flag',
      },
    );
  }
}

/** The options of one `dbctl generate` on drizzle-kit 1.0. */
export interface GenerateV1Options {
  kit: InstalledKit;
  configPath: string;
  cwd: string;
  name?: string | undefined;
  custom?: boolean | undefined;
  renames: readonly string[];
  creates: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs drizzle-kit 1.0's generate with the flags' answers as hints. Returns the written
 * `migration.sql`'s path (null: no changes) and the renames applied. Throws AMBIGUOUS_RENAME (exit
 * 2, nothing written) for a question no flag answers, USAGE for a flag no question takes.
 */
export async function generateWithKitV1(options: GenerateV1Options): Promise<{ migrationPath: string | null; renames: AppliedRename[] }> {
  const answers = new RenameAnswers(options.renames, options.creates);
  const hints: KitHint[] = [];
  // Each pass answers the questions drizzle-kit reported; answering a table rename can raise
  // column questions of that table, so a few passes may be needed. With answers given, the passes
  // are dry runs (`--explain`), so an answer no question takes is refused before anything is written.
  const dryRun = answers.given;
  for (let pass = 0; pass < 8; pass++) {
    const answer = await runGenerate(options, hints, dryRun ? ['--explain'] : []);
    if (answer.status === 'ok' || answer.status === 'no_changes') {
      answers.assertAllUsed();
      const final = dryRun && answer.status === 'ok' ? await runGenerate(options, hints) : answer;
      if (final.status === 'no_changes') return { migrationPath: null, renames: answers.applied };
      if (final.status !== 'ok') throw failed(options.kit.version, final);
      return {
        migrationPath: path.resolve(options.cwd, String((final as { migration_path: string }).migration_path)),
        renames: answers.applied,
      };
    }
    if (answer.status !== 'missing_hints') throw failed(options.kit.version, answer);
    const unresolved = (answer as { unresolved: MissingHint[] }).unresolved ?? [];
    const open: MissingHint[] = [];
    for (const question of unresolved) {
      const hint = answers.answer(question);
      if (hint) hints.push(hint);
      else open.push(question);
    }
    if (open.length > 0) throw missingHintsError(open);
    if (unresolved.length === 0) throw failed(options.kit.version, answer);
  }
  throw new DbctlError(
    'OPERATION_FAILED',
    `drizzle-kit ${options.kit.version} kept asking rename questions after eight rounds of answers`,
    {
      hint: 'run `npx drizzle-kit generate` in a terminal to answer them there',
    },
  );
}

/**
 * Whether drizzle-kit 1.0's generate would write a migration (`--explain`, a dry run): the schema
 * in code differs from what the migrations build. Rename questions count as a difference.
 */
export async function kitV1SchemaDiffers(
  options: Pick<GenerateV1Options, 'kit' | 'configPath' | 'cwd' | 'env'>,
): Promise<{ differs: boolean; summary: string[] }> {
  const answer = await runGenerate({ ...options, renames: [], creates: [] }, [], ['--explain']);
  if (answer.status === 'no_changes') return { differs: false, summary: [] };
  if (answer.status === 'missing_hints') {
    const unresolved = (answer as { unresolved: MissingHint[] }).unresolved ?? [];
    return { differs: true, summary: unresolved.map((q) => `${q.kind} ${spellEntity(q.entity)}: new or renamed (a rename question)`) };
  }
  if (answer.status === 'ok') {
    // drizzle-kit's JSON statements: `{ type: 'add_column', column: { table: 'users', name: 'email', ... } }`
    const statements = (answer as { statements?: unknown }).statements;
    const word = (value: unknown) => (value && typeof value === 'object' ? (value as { table?: unknown; name?: unknown }) : {});
    const summary = Array.isArray(statements)
      ? statements.map((raw) => {
          const statement = raw as Record<string, unknown>;
          const subject = Object.values(statement)
            .map(word)
            .find((v) => typeof v.name === 'string');
          const name = subject ? [subject.table, subject.name].filter((x) => typeof x === 'string').join('.') : '';
          return `${String(statement.type ?? 'change').replace(/_/g, ' ')}${name ? ` ${name}` : ''}`;
        })
      : [];
    return { differs: true, summary };
  }
  throw new DbctlError('OPERATION_FAILED', `drizzle-kit ${options.kit.version} generate --explain failed: ${describe(answer)}`, {
    hint: "run `npx drizzle-kit generate --explain` to see drizzle-kit's own message",
  });
}

function failed(version: string, answer: GenerateAnswer): DbctlError {
  return new DbctlError('OPERATION_FAILED', `drizzle-kit ${version} generate failed: ${describe(answer)}`, {
    hint: "run `npx drizzle-kit generate` to see drizzle-kit's own message",
  });
}

/** AMBIGUOUS_RENAME (exit 2) listing the `--rename`/`--create` flags that answer `open`. */
export function missingHintsError(open: MissingHint[], command = 'generate'): DbctlError {
  const details: string[] = [];
  for (const q of open) {
    const spelled = spellEntity(q.entity);
    details.push(`  ${q.kind} ${spelled} is new, or renamed from a ${q.kind} that disappeared:`);
    details.push(`      --rename ${shellWord(`OLD=${spelled}`)}   (renamed from OLD, spelled as ${spelled} is)`);
    details.push(`      --create ${shellWord(spelled)}   (new ${q.kind})`);
  }
  return new DbctlError(
    'AMBIGUOUS_RENAME',
    `${open.length} ambiguous rename${open.length === 1 ? '' : 's'}: drizzle-kit would ask whether ${open.length === 1 ? 'this is a rename' : 'these are renames'}; answer with a flag and run dbctl ${command} again`,
    { details, hint: 'pass --rename FROM=TO for a rename, or --create NAME for a new object (nothing was written)' },
  );
}

function describe(answer: GenerateAnswer): string {
  const text = JSON.stringify(answer);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** One `drizzle-kit generate --output json` run; its JSON answer. */
function runGenerate(
  options: Omit<GenerateV1Options, 'renames' | 'creates'> & Partial<GenerateV1Options>,
  hints: KitHint[],
  extra: string[] = [],
): Promise<GenerateAnswer> {
  const args = [path.join(options.kit.packageDir, 'bin.cjs'), 'generate', '--config', options.configPath, '--output', 'json', ...extra];
  if (options.name) args.push('--name', options.name);
  if (options.custom) args.push('--custom');
  if (hints.length > 0) args.push('--hints', JSON.stringify(hints));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) =>
      reject(new DbctlError('OPERATION_FAILED', `could not run drizzle-kit ${options.kit.version}: ${error.message}`)),
    );
    child.on('close', (code) => {
      const line = stdout
        .split('\n')
        .reverse()
        .find((l) => l.trim().startsWith('{'));
      if (line) {
        try {
          resolve(JSON.parse(line) as GenerateAnswer);
          return;
        } catch {
          // fall through
        }
      }
      const said =
        (stderr.trim() || stdout.trim())
          .split('\n')
          .filter((l) => l.trim() !== '')
          .slice(-1)[0] ?? `exit ${code}`;
      reject(
        new DbctlError('OPERATION_FAILED', `drizzle-kit ${options.kit.version} generate failed: ${said}`, {
          hint: "run `npx drizzle-kit generate` to see drizzle-kit's own message",
        }),
      );
    });
  });
}
