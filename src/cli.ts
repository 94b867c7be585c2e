/**
 * The dbctl entry point: wires commander, builds the run's context, and is the only place that
 * exits the process. Command modules are imported lazily so `dbctl --version` starts fast.
 */
import { Command, Option, CommanderError } from 'commander';
import { isatty } from 'node:tty';
import type { CommandContext, GlobalOptions } from './ops/context.js';
import { isDbctlError, ExitCode } from './errors.js';
import { createOutput, type Output } from './io/output.js';
import { redactText, secretsOf } from './core/url.js';
import { loadDotenv } from './io/dotenv.js';
import { keepStdoutForDbctl } from './io/foreign-output.js';
import { liveEnvironment } from './io/process-env.js';
import { DBCTL_VERSION as version } from './version.js';
import { useBaselineWasmCompiler, useParseCache } from './sql/parser.js';

// a CLI run is short: compiling the SQL parser's WASM once, without background tier-up, is faster
useBaselineWasmCompiler();
// a parse result whose SQL holds one of the run's secrets is never written to the cache
useParseCache(process.cwd(), (text) => output !== undefined && output.redact(text) !== text);

/** Options commander collects for the global flags. */
interface RawGlobals {
  env?: string;
  url?: string;
  config?: string;
  json?: boolean;
  yes?: boolean;
  color?: boolean;
  verbose?: boolean;
}

let output: Output | undefined;

function buildContext(command: Command): CommandContext {
  const raw = command.optsWithGlobals<RawGlobals>();
  const globals: GlobalOptions = {
    env: raw.env ?? (process.env.DBCTL_ENV || undefined),
    envExplicit: raw.env !== undefined,
    url: raw.url,
    config: raw.config,
    json: Boolean(raw.json),
    yes: Boolean(raw.yes),
    verbose: Boolean(raw.verbose),
  };
  // from here on, stdout holds dbctl's own output only: a config's or library's writes go to stderr
  const own = keepStdoutForDbctl((text) => (output ? output.redact(text) : redactText(text, [])));
  output = createOutput(
    { json: globals.json, color: raw.color !== false, verbose: globals.verbose },
    {
      stdout: own.stdout,
      stderr: own.stderr,
      // asked of the descriptor: reading `process.stdin` would open a stream on it (a few ms) that a run without prompts never reads
      stdinIsTTY: isatty(0),
      ci: Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0',
      noColorEnv: process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '',
    },
  );
  output.addSecrets(secretsOf(globals.url));
  loadDotenv(process.cwd(), process.env);
  return { cwd: process.cwd(), globals, out: output, env: liveEnvironment() };
}

/** Registers one command whose implementation lives in `./commands/<file>.js`. */
function action<Options>(load: () => Promise<(ctx: CommandContext, options: Options) => Promise<number>>) {
  return async function (this: Command, ...args: unknown[]) {
    const command = args[args.length - 1] as Command;
    const ctx = buildContext(command);
    const run = await load();
    const options = { ...command.opts(), args: command.args } as Options;
    process.exitCode = await run(ctx, options);
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
/** The answers to drizzle-kit's rename questions, shared by generate, push and fix. */
const renameOption = () =>
  new Option(
    '--rename <from=to>',
    'answer a rename question: table.old_column=table.new_column (or =new_column), old_table=new_table (repeatable)',
  ).argParser(collect);
const createOption = () =>
  new Option('--create <name>', 'answer a rename question with "new": table.column or table (repeatable)').argParser(collect);

const program = new Command('dbctl')
  .description('Safe migrations for Drizzle ORM on PostgreSQL')
  .version(version, '-V, --version')
  .option('-e, --env <name>', 'target environment (default $DBCTL_ENV, else development)')
  .option('--url <url>', 'database url for this run, replacing the environment url')
  .option('-c, --config <path>', 'dbctl config file')
  .option('--json', 'one JSON document on stdout; human text on stderr')
  .option('-y, --yes', 'confirm prompts')
  .option('--no-color', 'no ANSI colors')
  .option('--verbose', 'show stack traces and extra detail')
  .showSuggestionAfterError()
  .configureHelp({ showGlobalOptions: true })
  .enablePositionalOptions(false)
  .exitOverride();

program
  .command('init')
  .description('write dbctl.config.ts (if absent) and the templates asked for')
  .option('--entrypoint', 'a container entrypoint that migrates, then starts the app (+ Dockerfile lines)')
  .option('--github-actions', 'a GitHub Actions workflow: check and review on pull requests, migrate staging on main')
  .option('--kubernetes', 'a Kubernetes Job and init-container example')
  .option('--all', 'every template')
  .option('--force', 'overwrite existing files')
  .action(action(async () => (await import('./commands/init.js')).runInit));

program
  .command('generate')
  .description('drizzle-kit generate without prompts, then review the new migration')
  .option('--name <name>', 'migration name')
  .option('--custom', 'an empty migration for hand-written SQL')
  .addOption(renameOption())
  .addOption(createOption())
  .action(action(async () => (await import('./commands/generate.js')).runGenerate));

program
  .command('review')
  .description('lint migrations: the named ones, --all, --since a git ref, pending with --env, else the newest')
  .argument('[tags...]', 'migration tags (or their NNNN prefix)')
  .option('--all', 'every migration')
  .option('--since <gitref>', 'migrations added since a git ref (a pull request base)')
  .option('--format <format>', 'text, json, junit, github or markdown (default text)')
  .option('--applied-by <tool>', 'who applies the migrations: dbctl (default) or drizzle-kit (review.appliedBy)')
  .action(action(async () => (await import('./commands/review.js')).runReview));

program
  .command('push')
  .description('drizzle-kit push to the environment; refused on a protected environment whatever the flags')
  .option('--force', 'apply statements that lose data without asking')
  .addOption(renameOption())
  .addOption(createOption())
  .action(action(async () => (await import('./commands/push.js')).runPush));

program
  .command('backup')
  .description('back up now: the tables named, or every table of the user schemas')
  .option('--tables <list>', 'comma-separated tables (schema.table, public by default)')
  .action(action(async () => (await import('./commands/backup.js')).runBackup));

program
  .command('backups')
  .description('list backups: id, env, tag, objects, rows, size, age')
  .action(action(async () => (await import('./commands/backups.js')).runBackups));

program
  .command('restore')
  .description('restore a backup: dropped tables recreated with their rows, dropped or retyped columns refilled by primary key')
  .argument('<id>', 'backup id (see `dbctl backups`)')
  .option('--tables <list>', 'restore only these tables')
  .option('--into-schema <schema>', 'restore into another schema, for inspection')
  .option('--overwrite', 'replace values written since the backup (a conflict, exit 1, otherwise)')
  .option('--allow-restore', 'allow restoring into a protected environment in a non-interactive run')
  .action(action(async () => (await import('./commands/restore.js')).runRestore));

program
  .command('fix')
  .description("write a migration taking the environment's actual database to the schema in code")
  .option('--name <name>', 'migration name (default fix_<env>)')
  .addOption(renameOption())
  .addOption(createOption())
  .action(action(async () => (await import('./commands/fix.js')).runFix));

program
  .command('revert')
  .description("write a new migration that undoes TAG's schema changes")
  .argument('<tag>', 'the migration to undo (or its NNNN prefix)')
  .option('--name <name>', 'migration name (default revert_<TAG>)')
  .action(action(async () => (await import('./commands/revert.js')).runRevert));

program
  .command('drop')
  .description('remove the newest migration (or TAG and those after it) when it is applied nowhere dbctl can see')
  .argument('[tag]', 'the first migration to remove (or its NNNN prefix); default the newest')
  .action(action(async () => (await import('./commands/drop.js')).runDrop));

program
  .command('check')
  .description('CI pre-deploy gate: schema vs migrations, folder consistency, review; with --env: history, pending, drift')
  .option('--since <gitref>', 'review the migrations added since a git ref')
  .option('--format <format>', 'text, json, junit, github or markdown (default text)')
  .option('--applied-by <tool>', 'who applies the migrations: dbctl (default) or drizzle-kit (review.appliedBy)')
  .option('--baseline', 'accept the folder problems there are now (written to dbctl.baseline.json); new ones still fail')
  .action(action(async () => (await import('./commands/check.js')).runCheck));

program
  .command('status')
  .description('applied, pending, failed, modified and unknown migrations of the environment')
  .action(action(async () => (await import('./commands/status.js')).runStatus));

program
  .command('migrate')
  .description('apply pending migrations safely (lock, checksums, per-migration transactions)')
  .option('--to <tag>', 'apply up to and including this migration')
  .option('--dry-run', 'print the plan and change nothing')
  .option('--allow-destructive', 'allow destructive migrations on a protected environment')
  .option('--no-backup', 'do not back up before destructive migrations')
  .option(
    '--backup-extra <objects>',
    'also back up these tables/columns (schema.table[.column], comma-separated) before the first migration of the run',
  )
  .option('--wait <duration>', 'how long to wait for another run holding the migration lock (default 60s, or migrate.wait in the config)')
  .option('--lock-timeout <duration>', 'PostgreSQL lock_timeout for each attempt (default 5s, or migrate.lockTimeout)')
  .option(
    '--statement-timeout <duration>',
    'PostgreSQL statement_timeout for migration statements (default 0 = none, or migrate.statementTimeout)',
  )
  .option('--wait-for-db <duration>', 'retry connecting until the database accepts connections (default: no retry)')
  .action(action(async () => (await import('./commands/migrate.js')).runMigrate));

program
  .command('resolve')
  .description('record the outcome of a failed migration after manual repair')
  .argument('<tag>', 'the failed migration')
  .addOption(new Option('--applied', 'the migration is now fully applied').conflicts('rolledBack'))
  .addOption(new Option('--rolled-back', 'the migration was undone; apply it again later'))
  .option('--force', 'record a migration that has no failed record (e.g. applied by hand)')
  .action(action(async () => (await import('./commands/resolve.js')).runResolve));

/** One or two examples per command, shown at the end of its --help. */
const EXAMPLES: Record<string, string[]> = {
  init: ['dbctl init --entrypoint --github-actions'],
  generate: [
    'dbctl generate --name add_orders',
    'dbctl generate --rename users.name=users.full_name   # answer a rename question (CI)',
    'dbctl generate --custom --name backfill_totals',
  ],
  review: [
    'dbctl review                      # the newest migration',
    'dbctl review --since origin/main --format github',
    'dbctl review --env production      # what is pending there',
  ],
  push: ['dbctl push --env development'],
  backup: ['dbctl backup --env staging --tables users,orders'],
  backups: ['dbctl backups --env production --json'],
  restore: ['dbctl restore 20261206T010203Z-0003_drop_bio --env staging'],
  fix: ['dbctl fix --env staging --name repair_drift'],
  revert: ['dbctl revert 0003 --name undo_bio_drop'],
  drop: ['dbctl drop            # the newest migration, if applied nowhere', 'dbctl drop 0004       # 0004 and every migration after it'],
  check: ['dbctl check --since origin/main --format github', 'dbctl check --env staging'],
  status: ['dbctl status --env production', 'dbctl status --json'],
  migrate: [
    'dbctl migrate --env staging',
    'dbctl migrate --env production --wait-for-db 60s --wait 2m',
    'dbctl migrate --dry-run --to 0005',
  ],
  resolve: ['dbctl resolve 0007_add_index --applied'],
};
for (const command of program.commands) {
  const examples = EXAMPLES[command.name()];
  if (examples) command.addHelpText('after', `\nExamples:\n${examples.map((line) => `  $ ${line}`).join('\n')}`);
}
// commander's own guess suggests far names (`pull` → push): dbctl suggests only near ones (reportError)
program.showSuggestionAfterError(false);

/** drizzle-kit commands dbctl does not wrap, and where to go instead. */
const DRIZZLE_KIT_ONLY: Record<string, string> = {
  pull: 'drizzle-kit pull introspects a database into a schema; to repair drift use dbctl check --env and dbctl fix',
  introspect: 'drizzle-kit introspect writes a schema from a database; to repair drift use dbctl check --env and dbctl fix',
  studio: 'run drizzle-kit studio',
  up: 'run drizzle-kit up to upgrade the migrations folder',
  export: 'run drizzle-kit export',
};

/** The command `name` was probably meant as: one edit away, or a unique prefix of three letters or more. */
function nearCommand(name: string): string | undefined {
  const names = program.commands.map((c) => c.name());
  const prefixed = name.length >= 3 ? names.filter((n) => n.startsWith(name)) : [];
  if (prefixed.length === 1) return prefixed[0];
  return names.find((n) => editDistance(n, name) <= 1);
}

/** Optimal-string-alignment distance (a transposition counts as one edit). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** `process.exit` as it is now: a config's own call is intercepted while it loads (config/exit-guard.ts), this one never. */
const exit = process.exit.bind(process);

/** A reader that closed the pipe (`dbctl review | head`) ends the run quietly. */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') exit(process.exitCode ?? 0);
    throw error;
  });
}

async function main(): Promise<void> {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    process.exitCode = reportError(error);
  }
}

/** Prints one clear line for an error and returns its exit code. */
function reportError(error: unknown): number {
  const write = (line: string) => (output ? output.warn(line) : process.stderr.write(`${line}\n`));
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return ExitCode.ok;
    }
    const unknown = error.code === 'commander.unknownCommand' ? /'([^']+)'/.exec(error.message)?.[1] : undefined;
    if (unknown !== undefined) {
      const elsewhere = DRIZZLE_KIT_ONLY[unknown];
      const near = elsewhere ? undefined : nearCommand(unknown);
      if (elsewhere) write(`hint: dbctl has no ${unknown}: ${elsewhere}`);
      else if (near) write(`hint: did you mean dbctl ${near}?`);
      else write('hint: dbctl --help lists the commands');
    }
    return ExitCode.usage; // commander already printed the message
  }
  if (isDbctlError(error)) {
    write(`error: ${error.message}`);
    for (const line of error.details) write(line);
    if (error.hint) write(`hint: ${error.hint}`);
    if (output?.verbose && error.stack) write(error.stack);
    if (output?.json && !output.jsonWritten)
      output.writeJson({ error: { code: error.code, message: output.redact(error.message), hint: error.hint ?? null } });
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`error: ${message}`);
  if (output?.verbose && error instanceof Error && error.stack) write(error.stack);
  else write('hint: run again with --verbose for details, and report it if it looks like a dbctl bug');
  return ExitCode.failure;
}

process.on('unhandledRejection', (error) => {
  process.exitCode = reportError(error);
});

void main();
