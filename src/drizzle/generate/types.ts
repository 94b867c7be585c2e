/**
 * Shapes shared by the generate modules: what `generate` needs, what it returns, and the slice of
 * drizzle-kit's internals it drives.
 */
import type { JournalEntry as FolderJournalEntry } from '../folder.js';
import type { SchemaIssues } from '../kit/snapshot-issue.js';

/** A rename question asked on the terminal: resolves to the candidate renamed, or null for "new". */
export type RenameQuestioner = (question: { kind: EntityKind; created: string; candidates: string[] }) => Promise<string | null>;

/** A drizzle-kit PostgreSQL snapshot (`meta/NNNN_snapshot.json`), kept as plain JSON. */
export type Snapshot = Record<string, unknown> & { id: string; prevId: string; version: string };

/** drizzle-kit's `meta/_journal.json`. */
export interface Journal {
  version: string;
  dialect: string;
  entries: JournalEntry[];
  [key: string]: unknown;
}

/** One journal entry, in drizzle-kit's key order; keys a newer drizzle-kit adds are kept when rewriting. */
export interface JournalEntry extends FolderJournalEntry {
  [key: string]: unknown;
}

/** The lists `prepareFromExports` finds among a schema module's exports. */
export interface PreparedExports {
  tables: unknown[];
  enums: unknown[];
  schemas: unknown[];
  sequences: unknown[];
  views: unknown[];
  matViews: unknown[];
  roles: unknown[];
  policies: unknown[];
  relations: unknown[];
}

/** A resolver drizzle-kit's diff calls for one kind of object (input and output as drizzle-kit's). */
export type Resolver = (input: any) => Promise<any>;

/** The internals of drizzle-kit 0.31's api bundle that `drizzle-kit generate` runs for PostgreSQL. */
export interface KitInternals {
  version: string;
  /** drizzle-kit's package directory (its own dependencies, such as tsx, resolve from here). */
  packageDir: string;
  applyPgSnapshotsDiff: (
    prevSquashed: unknown,
    curSquashed: unknown,
    schemas: Resolver,
    enums: Resolver,
    sequences: Resolver,
    policies: Resolver,
    indPolicies: Resolver,
    roles: Resolver,
    tables: Resolver,
    columns: Resolver,
    views: Resolver,
    prevFull: unknown,
    curFull: unknown,
    action?: 'push',
  ) => Promise<{ sqlStatements: string[]; statements: unknown[]; _meta: unknown }>;
  squashPgScheme: (snapshot: unknown, action?: 'push') => unknown;
  pgSchema: ZodLike<Snapshot>;
  backwardCompatiblePgSchema: ZodLike<Snapshot>;
  dryPg: Snapshot;
  generatePgSnapshot: (
    tables: unknown[],
    enums: unknown[],
    schemas: unknown[],
    sequences: unknown[],
    roles: unknown[],
    policies: unknown[],
    views: unknown[],
    matViews: unknown[],
    casing: string | undefined,
    schemaFilter: string[] | undefined,
  ) => Record<string, unknown>;
  prepareFromExports: (exports: Record<string, unknown>) => PreparedExports;
  originUUID: string;
  snapshotVersion: string;
  /**
   * drizzle-kit's PostgreSQL introspection (`src/serializer/pgSerializer.ts`), as push and pull run
   * it: returns a snapshot body (without id/prevId) of the schemas in `schemaFilters`.
   */
  fromDatabase: (
    db: { query: (sql: string, params?: unknown[]) => Promise<any[]> },
    tablesFilter: ((table: string) => boolean) | undefined,
    schemaFilters: string[],
    entities: unknown,
    progressCallback: undefined,
    tsSchema: unknown,
  ) => Promise<Record<string, unknown>>;
  /** push's data-loss checks and the statements push executes (`src/cli/commands/pgPushUtils.ts`). */
  pgSuggestions: (
    db: { query: (sql: string, params?: unknown[]) => Promise<any[]> },
    statements: unknown[],
  ) => Promise<{
    statementsToExecute: string[];
    shouldAskForApprove: boolean;
    infoToPrint: string[];
    matViewsToRemove: string[];
    columnsToRemove: string[];
    schemasToRemove: string[];
    tablesToTruncate: string[];
    tablesToRemove: string[];
  }>;
  /** JSON statements to SQL (`src/sqlgenerator.ts`). */
  fromJson: (statements: unknown[], dialect: 'postgresql', action?: 'push') => string[];
  /** The minimatch class drizzle-kit filters `tablesFilter` with. */
  Minimatch: new (pattern: string) => { negate: boolean; match(name: string): boolean };
}

/** The bit of zod drizzle-kit's bundle hands out. */
export interface ZodLike<T> {
  parse(value: unknown): T;
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { message: string } & SchemaIssues };
}

/** drizzle-kit's `migrations.prefix` modes. */
export type PrefixMode = 'index' | 'timestamp' | 'supabase' | 'unix' | 'none';

/** Everything `generate` needs: the drizzle config's settings and the command's flags. */
export interface GenerateOptions {
  /** Absolute path of the drizzle config. */
  configPath: string;
  /**
   * Directory `schema` is relative to: drizzle-kit's working directory (`DrizzleSettings.baseDir`).
   * Default: the drizzle config's directory. drizzle-kit is also looked up from here.
   */
  baseDir?: string | undefined;
  /** `dialect` of the drizzle config; only `postgresql` is supported. */
  dialect: string;
  /** `schema` of the drizzle config: a path, glob or directory, or a list of them. */
  schema: string | string[] | undefined;
  /** Absolute path of the migrations folder (`out`). */
  out: string;
  /** `migrations.prefix`; default `index`. */
  prefix?: string | undefined;
  /** `casing` of the drizzle config. */
  casing?: 'camelCase' | 'snake_case' | undefined;
  /** `breakpoints` of the drizzle config; default true. */
  breakpoints?: boolean | undefined;
  /** `--name`: the tag's suffix instead of a random `<adjective>_<hero>`. */
  name?: string | undefined;
  /** `--custom`: an empty migration for hand-written SQL. */
  custom?: boolean | undefined;
  /** `--rename FROM=TO` answers. */
  renames?: readonly string[] | undefined;
  /** `--create NAME` answers ("NAME is new, not renamed"). */
  creates?: readonly string[] | undefined;
  /** In an interactive run: asks a rename question no flag answers (drizzle-kit's picker). */
  ask?: RenameQuestioner | undefined;
  /** How schema files load: `tsx` (drizzle-kit's own loader, default) or `jiti` (fallback; tests). */
  schemaLoader?: 'tsx' | 'jiti' | undefined;
  /** Clock for `when` and the timestamp prefixes (tests). */
  now?: () => Date;
}

/** What one question drizzle-kit would have asked is about. */
export type EntityKind = 'schema' | 'enum' | 'sequence' | 'role' | 'policy' | 'table' | 'column' | 'view';

/** A rename question without an answer: `created` is new, and might be one of `candidates` renamed. */
export interface Ambiguity {
  kind: EntityKind;
  /** The new object as the flags spell it (`users.full_name`, `auth.accounts`, `people`). */
  created: string;
  /** The objects that disappeared and could have become it, spelled the same way. */
  candidates: string[];
  /** Each flag that answers the question: one `--rename` per candidate, then `--create`. */
  flags: string[];
}

/** A rename applied to the diff. */
export interface AppliedRename {
  kind: EntityKind;
  from: string;
  to: string;
}

/** The files a generate wrote. */
export interface WrittenMigration {
  tag: string;
  idx: number;
  /** Absolute paths. */
  sqlPath: string;
  snapshotPath: string;
  journalPath: string;
  /** The SQL file's text. */
  sql: string;
  statements: string[];
  custom: boolean;
  /**
   * The migrations before this one (drizzle-kit 1.0's folder, which has no journal to list them):
   * the review's context. `journalPath` is '' then.
   */
  earlier?: { tag: string; sql: string }[];
}

/** The outcome of `generate`: the migration written, or `null` when the schema did not change. */
export interface GenerateResult {
  migration: WrittenMigration | null;
  renames: AppliedRename[];
  /** The flags that repeat the answers given at the terminal, for running the same generate in CI. */
  askedFlags: string[];
  /** Schema files read (absolute). */
  schemaFiles: string[];
}
