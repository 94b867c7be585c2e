/**
 * The shapes of dbctl's backups: what a backup records (the manifest), where backups live, and
 * the progress events the engine reports. Pure types.
 */

/** The manifest format version written by this dbctl. */
export const MANIFEST_FORMAT = 1;

/** The schema of the `database` target. */
export const BACKUP_SCHEMA = 'dbctl_backups';

/** A column as the catalog describes it (types printed schema-qualified). */
export interface ColumnInfo {
  name: string;
  /** `format_type()` with search_path = pg_catalog: `integer`, `character varying(20)`, `public.mood`. */
  type: string;
  notNull: boolean;
  /** Default expression (`pg_get_expr`), or null. */
  default: string | null;
  /** `a` GENERATED ALWAYS AS IDENTITY, `d` BY DEFAULT, or null. */
  identity: 'a' | 'd' | null;
  /** Generation expression of a STORED generated column, or null. Never part of a data file. */
  generated: string | null;
  /** Qualified collation when it differs from the type's default, or null. */
  collation: string | null;
  /** `database` target only: the column is stored as text (a type a DROP ... CASCADE could take away). */
  storedAsText?: boolean;
  /** The column's number in its table when backed up (a column re-added later has another one). */
  attnum?: number;
}

/** A table constraint: `p` primary key, `u` unique, `c` check, `f` foreign key, `x` exclusion. */
export interface ConstraintInfo {
  name: string;
  type: 'p' | 'u' | 'c' | 'f' | 'x';
  /** `pg_get_constraintdef()`, e.g. `PRIMARY KEY (id)`, `FOREIGN KEY (a) REFERENCES public.b(id)`. */
  def: string;
}

/** An index not backing a constraint. */
export interface IndexInfo {
  name: string;
  /** `pg_get_indexdef()`, e.g. `CREATE INDEX users_email_idx ON public.users USING btree (email)`. */
  def: string;
}

/** A foreign key of another table pointing at the backed-up table (dropped by DROP ... CASCADE). */
export interface ReferencingConstraint {
  schema: string;
  table: string;
  name: string;
  def: string;
}

/** A sequence owned by a column (serial) or an identity column. */
export interface SequenceInfo {
  schema: string;
  name: string;
  column: string;
  /** `serial`: a sequence OWNED BY the column (recreated on restore); `identity`: recreated by the column itself. */
  kind: 'serial' | 'identity';
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  /** The sequence's last value when the backup was taken, or null when never used. */
  lastValue: string | null;
}

/** An enum type used by the table's columns (DROP SCHEMA ... CASCADE takes it away too). */
export interface EnumInfo {
  schema: string;
  name: string;
  labels: string[];
}

/** A user-defined type a backed-up column uses (recreated on restore when it is missing). */
export type UserTypeInfo =
  | { kind: 'enum'; schema: string; name: string; labels: string[] }
  /** An extension whose type a column uses (`citext`): created again when missing. */
  | { kind: 'extension'; schema: string; name: string }
  | {
      kind: 'domain';
      schema: string;
      name: string;
      /** `format_type()` of the base type, schema-qualified (`integer`, `public.mood`). */
      baseType: string;
      notNull: boolean;
      default: string | null;
      collation: string | null;
      /** CHECK constraints: name and `pg_get_constraintdef()` (`CHECK ((VALUE > 0))`). */
      checks: { name: string; def: string }[];
    };

/** A partition of a backed-up partitioned table, or the parent a backed-up partition belongs to. */
export interface PartitionInfo {
  schema: string;
  table: string;
  /** The partitioned table it is attached to. */
  parentSchema: string;
  parentTable: string;
  /** `pg_get_expr(relpartbound)`: `FOR VALUES FROM (1) TO (10)`, `DEFAULT`. */
  bound: string;
  /** `pg_get_partkeydef()` when the partition is itself partitioned, else null. */
  partitionBy: string | null;
}

/** Everything needed to recreate a table. */
export interface TableDefinition {
  /** The table as PostgreSQL quotes it in `pg_get_indexdef` (`public.users`), to re-target index definitions. */
  tableRef: string;
  /** Every column, generated ones included, in table order. */
  columns: ColumnInfo[];
  constraints: ConstraintInfo[];
  indexes: IndexInfo[];
  referencedBy: ReferencingConstraint[];
  sequences: SequenceInfo[];
  enums: EnumInfo[];
  /** `pg_get_partkeydef()` of a partitioned table (`RANGE (created_at)`), else null/absent. */
  partitionBy?: string | null;
  /** Every partition of a partitioned table, parents before their own partitions (recreated attached). */
  partitions?: PartitionInfo[];
  /** The parent of a table that is a partition (re-attached on restore), else null/absent. */
  partitionOf?: PartitionInfo | null;
  /** The whole definition as SQL, for people reading the manifest. */
  ddl: string;
}

/** One backed-up table (or the key and affected columns of one). */
export interface BackupObject {
  schema: string;
  table: string;
  /** The whole table (with its definition); false: the primary key plus `affectedColumns`. */
  whole: boolean;
  /** Why it was backed up, e.g. `DROP TABLE`, `DROP COLUMN email`. */
  reasons: string[];
  /** The columns of the data file, in file order. */
  columns: ColumnInfo[];
  primaryKey: string[];
  /** Columns the destructive statements touch (empty for a whole table). */
  affectedColumns: string[];
  /** The table's definition; set for whole tables. */
  definition: TableDefinition | null;
  /** The table's oid when backed up: a table of that name with another oid was created since. */
  tableOid?: string;
  /** Enum and domain types the data file's columns use, bases first (recreated when missing). */
  types?: UserTypeInfo[];
  rows: number;
  /** `dir`: the data file's name in the backup directory; `database`: the table's name in `dbctl_backups`. */
  file: string;
  /** sha256 of the data file (`dir` target), else null. */
  sha256: string | null;
  /** Bytes on disk (compressed file, or the backup table's size). */
  bytes: number;
  /** Bytes of COPY text before compression (`dir` target). */
  rawBytes: number;
}

/** A table a backup holds or plans, as the JSON documents list it: its name, whether whole, its column names. */
export function tableWithColumnNames(object: Pick<BackupObject, 'schema' | 'table' | 'whole' | 'columns'>) {
  return { schema: object.schema, table: object.table, whole: object.whole, columns: object.columns.map((c) => c.name) };
}

/** A requested object that was not backed up, and why. */
export interface SkippedObject {
  schema: string;
  table?: string;
  column?: string;
  name?: string;
  reason: string;
  why: string;
}

/** What a backup contains; `manifest.json` (dir) or a row of `dbctl_backups.manifests` (database). Never a url or password. */
export interface BackupManifest {
  format: number;
  id: string;
  env: string;
  database: string;
  serverVersion: string;
  /** The migration it was taken for, or null for a manual backup. */
  tag: string | null;
  reason: string;
  createdAt: string;
  dbctlVersion: string;
  target: 'dir' | 'database';
  /** Data file compression (`dir` target). */
  compression: 'gzip' | null;
  objects: BackupObject[];
  skipped: SkippedObject[];
  totals: { objects: number; rows: number; bytes: number };
}

/** Where backups go, as the configuration says. */
export type BackupTarget = { kind: 'dir'; dir: string } | { kind: 'database' };

/** Progress of a backup or restore, for renderers. */
export type BackupProgress =
  | { type: 'start'; operation: 'backup' | 'restore'; id: string; objects: number }
  | {
      type: 'object-start';
      operation: 'backup' | 'restore';
      name: string;
      index: number;
      total: number;
      /** Rows expected (the planner's estimate on backup, the manifest's count on restore). */
      expectedRows: number;
      /** Raw bytes expected, when known (restore). */
      expectedBytes: number | null;
    }
  | { type: 'object-progress'; operation: 'backup' | 'restore'; name: string; rows: number; bytes: number }
  | { type: 'object-done'; operation: 'backup' | 'restore'; name: string; rows: number; bytes: number; ms: number }
  | { type: 'verify'; name: string }
  | { type: 'done'; operation: 'backup' | 'restore'; id: string; rows: number; bytes: number; ms: number };

/** A progress listener. */
export type ProgressListener = (event: BackupProgress) => void;
