/**
 * Answers drizzle-kit's rename questions from flags instead of prompts.
 *
 * drizzle-kit's diff calls one resolver per kind of object (schemas, enums, sequences, roles,
 * tables, then per table its columns and policies, then standalone policies and views) with the
 * objects that appeared (`created`) and disappeared (`deleted`). Its interactive resolvers ask, for
 * each created object in turn while some deleted one is left: "new, or renamed from X?". The
 * resolvers here walk the same loop and take each answer from:
 *
 * - `--rename FROM=TO`: TO was FROM, renamed (`users.name=users.full_name` for a column,
 *   `old_table=new_table` for a table, `schema.` in front outside `public`; a table moved to another
 *   schema is `a.users=b.users`);
 * - `--create NAME`: NAME is new, not a rename (the deleted objects it could have been are dropped).
 *
 * A question without an answer is recorded as an {@link Ambiguity} and provisionally answered
 * "new", so one pass finds every question; the caller then refuses to write anything.
 */
import { DbctlError } from '../../errors.js';
import type { Ambiguity, AppliedRename, EntityKind, RenameQuestioner, Resolver } from './types.js';

/** The parsed `--rename` and `--create` answers, tracking which ones were used. */
export class RenameAnswers {
  private readonly renames: { from: string; to: string; flag: string; used: boolean }[];
  private readonly creates: { name: string; flag: string; used: boolean }[];

  constructor(renames: readonly string[] = [], creates: readonly string[] = []) {
    this.renames = renames.map((raw) => {
      const { from, to } = parseRename(raw);
      return { from, to, flag: `--rename ${shellWord(`${from}=${to}`)}`, used: false };
    });
    this.creates = creates.map((raw) => {
      const name = raw.trim();
      if (!name || name.includes('=')) {
        throw new DbctlError('USAGE', `--create ${raw} is not a name`, {
          hint: 'e.g. --create users.full_name (a new column) or --create people (a new table)',
        });
      }
      return { name, flag: `--create ${shellWord(name)}`, used: false };
    });
  }

  /** True when there are no answers at all. */
  get empty(): boolean {
    return this.renames.length === 0 && this.creates.length === 0;
  }

  /** Whether `--rename from=to` was given (marks it used); `users.name=full_name` answers `users.name=users.full_name`. */
  takeRename(from: string, to: string): boolean {
    const hit = this.renames.filter((it) => it.from === from && namesNew(it, to));
    hit.forEach((it) => (it.used = true));
    return hit.length > 0;
  }

  /** The FROM names some `--rename FROM=to` gives for `to` (without marking anything). */
  renamedTo(to: string): string[] {
    return this.renames.filter((it) => namesNew(it, to)).map((it) => it.from);
  }

  /** Whether `--create name` was given (marks it used). */
  takeCreate(name: string): boolean {
    const hit = this.creates.filter((it) => it.name === name);
    hit.forEach((it) => (it.used = true));
    return hit.length > 0;
  }

  /** The flags that matched no question. */
  unused(): string[] {
    return [...this.renames.filter((it) => !it.used).map((it) => it.flag), ...this.creates.filter((it) => !it.used).map((it) => it.flag)];
  }
}

/** One `--rename FROM=TO` flag's two names. @throws DbctlError USAGE when it is not of that form. */
export function parseRename(raw: string): { from: string; to: string } {
  const at = raw.indexOf('=');
  const from = at < 0 ? '' : raw.slice(0, at).trim();
  const to = at < 0 ? '' : raw.slice(at + 1).trim();
  if (!from || !to || to.includes('=')) {
    throw new DbctlError('USAGE', `--rename ${raw} is not of the form FROM=TO`, {
      hint: 'e.g. --rename users.name=users.full_name (a column; or users.name=full_name) or --rename old_table=new_table (a table)',
    });
  }
  return { from, to };
}

/**
 * Whether a `--rename` answer's TO names `to`: spelled out, or as a bare name for one in the same
 * table (or schema) as its FROM: `users.name=full_name` for `users.full_name`. A bare name that is
 * itself the answer (a table moved to `public`) still matches as written.
 */
export function namesNew(answer: { from: string; to: string }, to: string): boolean {
  if (answer.to === to) return true;
  const dot = answer.from.lastIndexOf('.');
  return dot > 0 && !answer.to.includes('.') && to === `${answer.from.slice(0, dot + 1)}${answer.to}`;
}

/** Quotes a flag value for a POSIX shell when it needs it, so a printed flag can be pasted. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_.=:@%+,/-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `name`, or `schema.name` outside `public`, as flags spell objects that live in a schema. */
export function qualified(schema: string | undefined, name: string): string {
  return !schema || schema === 'public' ? name : `${schema}.${name}`;
}

interface Named {
  name: string;
  schema?: string;
}

export type { RenameQuestioner } from './types.js';

/** One resolver run's bookkeeping. */
export class RenameSession {
  readonly ambiguities: Ambiguity[] = [];
  readonly applied: AppliedRename[] = [];
  /** Every question drizzle-kit would have asked, with the answer given (for messages). */
  readonly questions: { kind: EntityKind; created: string; candidates: string[] }[] = [];
  /** The flags that repeat the answers given at the terminal (to run the same generate in CI). */
  readonly askedFlags: string[] = [];

  /** `ask`, in an interactive run, answers a question no flag answers (as drizzle-kit's picker does). */
  constructor(
    readonly answers: RenameAnswers,
    private readonly ask?: RenameQuestioner,
  ) {}

  /**
   * drizzle-kit's prompt loop (`promptNamedWithSchemasConflict` and its siblings), answered from
   * flags: returns which created objects are renames of which deleted ones.
   */
  async decide<T>(
    kind: EntityKind,
    created: T[],
    deleted: T[],
    show: (item: T) => string,
  ): Promise<{ created: T[]; deleted: T[]; renamed: { from: T; to: T }[] }> {
    if (created.length === 0 || deleted.length === 0) return { created, deleted, renamed: [] };
    const result = { created: [] as T[], deleted: [] as T[], renamed: [] as { from: T; to: T }[] };
    let leftMissing = [...deleted];
    for (const [index, item] of created.entries()) {
      const name = show(item);
      // A deleted object some answer renames into a later created object is not a candidate here.
      const claimedLater = new Set(created.slice(index + 1).flatMap((later) => this.answers.renamedTo(show(later))));
      const candidates = leftMissing.filter((missing) => !claimedLater.has(show(missing)));
      if (leftMissing.length > 0) this.questions.push({ kind, created: name, candidates: leftMissing.map(show) });
      const from = leftMissing.find((missing) => this.answers.takeRename(show(missing), name));
      if (from !== undefined) {
        result.renamed.push({ from, to: item });
        this.applied.push({ kind, from: show(from), to: name });
        leftMissing = leftMissing.filter((it) => it !== from);
        continue;
      }
      if (leftMissing.length > 0 && this.answers.takeCreate(name)) {
        result.created.push(item);
        continue;
      }
      if (candidates.length > 0 && this.ask) {
        const answer = await this.ask({ kind, created: name, candidates: candidates.map(show) });
        const chosen = answer === null ? undefined : candidates.find((it) => show(it) === answer);
        if (chosen !== undefined) {
          result.renamed.push({ from: chosen, to: item });
          this.applied.push({ kind, from: show(chosen), to: name });
          this.askedFlags.push(`--rename ${shellWord(`${show(chosen)}=${name}`)}`);
          leftMissing = leftMissing.filter((it) => it !== chosen);
        } else {
          this.askedFlags.push(`--create ${shellWord(name)}`);
          result.created.push(item);
        }
        continue;
      }
      if (candidates.length > 0) {
        this.ambiguities.push({
          kind,
          created: name,
          candidates: candidates.map(show),
          flags: [...candidates.map((it) => `--rename ${shellWord(`${show(it)}=${name}`)}`), `--create ${shellWord(name)}`],
        });
      }
      result.created.push(item);
    }
    result.deleted.push(...leftMissing);
    return result;
  }

  /** The resolvers to pass to drizzle-kit's `applyPgSnapshotsDiff`, in its argument order. */
  resolvers(): {
    schemas: Resolver;
    enums: Resolver;
    sequences: Resolver;
    policies: Resolver;
    indPolicies: Resolver;
    roles: Resolver;
    tables: Resolver;
    columns: Resolver;
    views: Resolver;
  } {
    const withSchemas =
      (kind: EntityKind): Resolver =>
      async (input: { created: Named[]; deleted: Named[] }) => {
        const { created, deleted, renamed } = await this.decide(kind, input.created, input.deleted, (it) => qualified(it.schema, it.name));
        const moved = renamed
          .filter((it) => it.from.schema !== it.to.schema)
          .map((it) => ({ name: it.from.name, schemaFrom: it.from.schema || 'public', schemaTo: it.to.schema || 'public' }));
        return { created, deleted, moved, renamed: renamed.filter((it) => it.from.name !== it.to.name) };
      };
    const plain =
      (kind: EntityKind, keepSameName: boolean): Resolver =>
      async (input: { created: Named[]; deleted: Named[] }) => {
        const { created, deleted, renamed } = await this.decide(kind, input.created, input.deleted, (it) => it.name);
        return { created, deleted, renamed: keepSameName ? renamed : renamed.filter((it) => it.from.name !== it.to.name) };
      };
    const inTable =
      (kind: EntityKind): Resolver =>
      async (input: { tableName: string; schema: string; created: Named[]; deleted: Named[] }) => {
        const table = qualified(input.schema, input.tableName);
        const { created, deleted, renamed } = await this.decide(kind, input.created, input.deleted, (it) => `${table}.${it.name}`);
        return { tableName: input.tableName, schema: input.schema, created, deleted, renamed };
      };
    return {
      schemas: plain('schema', true),
      enums: withSchemas('enum'),
      sequences: withSchemas('sequence'),
      policies: inTable('policy'),
      indPolicies: plain('policy', false),
      roles: plain('role', false),
      tables: withSchemas('table'),
      columns: inTable('column'),
      views: withSchemas('view'),
    };
  }

  /** Throws when a question went unanswered, or an answer matched no question. */
  assertSettled(): void {
    if (this.ambiguities.length > 0) throw ambiguityError(this.ambiguities, this.answers.unused());
    const unused = this.answers.unused();
    if (unused.length > 0) {
      const asked = this.questions.map((q) => `  ${q.kind} ${q.created}: new, or renamed from ${q.candidates.join(' / ')}?`);
      throw new DbctlError(
        'USAGE',
        `${unused.join(', ')} ${unused.length === 1 ? 'answers' : 'answer'} no rename question of this schema change`,
        {
          details:
            asked.length > 0
              ? ['the questions drizzle-kit asks for this change:', ...asked]
              : ['drizzle-kit asks no rename question for this change'],
          hint: 'check the spelling (table.column, schema.table.column outside public), or drop the flag',
        },
      );
    }
  }
}

const KIND_WORD: Record<EntityKind, string> = {
  schema: 'schema',
  enum: 'enum',
  sequence: 'sequence',
  role: 'role',
  policy: 'policy',
  table: 'table',
  column: 'column',
  view: 'view',
};

/** The exit-2 error listing every unanswered question and the flags that answer it. */
export function ambiguityError(ambiguities: Ambiguity[], unused: string[] = []): DbctlError {
  const details: string[] = [];
  for (const it of ambiguities) {
    const word = KIND_WORD[it.kind];
    details.push(`  ${word} ${it.created} is new, or renamed from ${it.candidates.map((c) => `${word} ${c}`).join(' or ')}:`);
    for (const [index, candidate] of it.candidates.entries()) details.push(`      ${it.flags[index]}   (renamed from ${candidate})`);
    details.push(
      `      ${it.flags[it.flags.length - 1]}   (new ${word}; ${it.candidates.join(', ')} ${it.candidates.length === 1 ? 'is' : 'are'} dropped)`,
    );
  }
  if (unused.length > 0) details.push(`  (${unused.join(', ')} matched no question)`);
  const count = ambiguities.length;
  return new DbctlError(
    'AMBIGUOUS_RENAME',
    `${count} ambiguous rename${count === 1 ? '' : 's'}: drizzle-kit would ask whether ${count === 1 ? 'this is a rename' : 'these are renames'}; answer with a flag and run dbctl generate again`,
    {
      details,
      hint: 'pass --rename FROM=TO for a rename, or --create NAME for a new object (nothing was written)',
    },
  );
}
