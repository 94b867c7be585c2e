/**
 * The dbctl entry point: wires commander, builds the run's context, and is the only place that
 * exits the process. Command modules are imported lazily so `dbctl --version` starts fast.
 */
import { Command, Option, CommanderError } from 'commander';
import { hostname } from 'node:os';
import type { CommandContext, GlobalOptions } from './commands/context.js';
import { isDbctlError, ExitCode } from './errors.js';
import { createOutput, type Output } from './io/output.js';
import { secretsOf } from './core/url.js';
import { DBCTL_VERSION as version } from './version.js';
import { useBaselineWasmCompiler } from './sql/parser.js';

// a CLI run is short: compiling the SQL parser's WASM once, without background tier-up, is faster
useBaselineWasmCompiler();


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
  output = createOutput(
    { json: globals.json, color: raw.color !== false, verbose: globals.verbose },
    {
      stdout: process.stdout,
      stderr: process.stderr,
      stdinIsTTY: Boolean(process.stdin.isTTY),
      ci: Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0',
      noColorEnv: process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '',
    },
  );
  output.addSecrets(secretsOf(globals.url));
  return { cwd: process.cwd(), globals, out: output, env: { ...process.env, DBCTL_HOSTNAME: hostname() } };
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
  .option('--rename <from=to>', 'answer a rename question: table.old_column=table.new_column, old_table=new_table (repeatable)', collect)
  .option('--create <name>', 'answer a rename question with "new": table.column or table (repeatable)', collect)
  .action(action(async () => (await import('./commands/generate.js')).runGenerate));

program
  .command('review')
  .description('lint migrations: the named ones, --all, --since a git ref, pending with --env, else the newest')
  .argument('[tags...]', 'migration tags (or their NNNN prefix)')
  .option('--all', 'every migration')
  .option('--since <gitref>', 'migrations added since a git ref (a pull request base)')
  .option('--format <format>', 'text, json, junit, github or markdown')
  .action(action(async () => (await import('./commands/review.js')).runReview));

program
  .command('push')
  .description('drizzle-kit push to the environment; refused on a protected environment whatever the flags')
  .option('--force', 'apply statements that lose data without asking')
  .option('--rename <from=to>', 'answer a rename question (repeatable)', collect)
  .option('--create <name>', 'answer a rename question with "new" (repeatable)', collect)
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
  .option('--allow-restore', 'allow restoring into a protected environment in a non-interactive run')
  .action(action(async () => (await import('./commands/restore.js')).runRestore));

program
  .command('fix')
  .description("write a migration taking the environment's actual database to the schema in code")
  .option('--name <name>', 'migration name (default fix_<env>)')
  .option('--rename <from=to>', 'answer a rename question (repeatable)', collect)
  .option('--create <name>', 'answer a rename question with "new" (repeatable)', collect)
  .action(action(async () => (await import('./commands/fix.js')).runFix));

program
  .command('revert')
  .description("write a new migration that undoes TAG's schema changes")
  .argument('<tag>', 'the migration to undo (or its NNNN prefix)')
  .option('--name <name>', 'migration name (default revert_<TAG>)')
  .action(action(async () => (await import('./commands/revert.js')).runRevert));

program
  .command('check')
  .description('CI pre-deploy gate: schema vs migrations, folder consistency, review; with --env: history, pending, drift')
  .option('--since <gitref>', 'review the migrations added since a git ref')
  .option('--format <format>', 'text, json, junit, github or markdown')
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
  .option('--wait <duration>', 'how long to wait for another run holding the migration lock')
  .option('--lock-timeout <duration>', "PostgreSQL lock_timeout for each attempt")
  .option('--statement-timeout <duration>', 'PostgreSQL statement_timeout for migration statements (0 = none)')
  .option('--wait-for-db <duration>', 'retry connecting until the database accepts connections')
  .action(action(async () => (await import('./commands/migrate.js')).runMigrate));

program
  .command('resolve')
  .description('record the outcome of a failed migration after manual repair')
  .argument('<tag>', 'the failed migration')
  .addOption(new Option('--applied', 'the migration is now fully applied').conflicts('rolledBack'))
  .addOption(new Option('--rolled-back', 'the migration was undone; apply it again later'))
  .action(action(async () => (await import('./commands/resolve.js')).runResolve));


async function main(): Promise<void> {
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
    return ExitCode.usage; // commander already printed the message
  }
  if (isDbctlError(error)) {
    write(`error: ${error.message}`);
    for (const line of error.details) write(line);
    if (error.hint) write(`hint: ${error.hint}`);
    if (output?.verbose && error.stack) write(error.stack);
    if (output?.json && !output.jsonWritten) output.writeJson({ error: { code: error.code, message: output.redact(error.message), hint: error.hint ?? null } });
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

await main();
