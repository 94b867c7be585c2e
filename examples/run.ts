/**
 * `npm run example`: dbctl's whole job on the bundled example project (examples/shop), against an
 * embedded PostgreSQL started here (no Docker, no setup). The project is copied to .tmp/example/
 * and the real `dbctl` binary runs there, each command printed as a user would type it, with its
 * output and exit code. Every step states the exit code it should have; the run fails otherwise.
 */
import { cp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../test/support/embedded.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = path.join(repo, '.tmp', 'example');
const bin = path.join(repo, 'bin', 'dbctl.js');

/** One step: a heading, commands run together (replicas) or an action, and the exit code expected. */
interface Step {
  title: string;
  /** Changes made by hand before the commands (editing the schema, psql). */
  before?: () => Promise<string>;
  run?: string[][];
  expect?: number;
}

function dbctl(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function editSchema(from: string, to: string): Promise<void> {
  const file = path.join(work, 'src', 'schema.ts');
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) throw new Error(`example: schema.ts has no ${from}`);
  await writeFile(file, text.replace(from, to));
}

async function newestTag(): Promise<string> {
  const files = (await readdir(path.join(work, 'drizzle'))).filter((f) => f.endsWith('.sql')).sort();
  return files[files.length - 1]!.replace(/\.sql$/, '');
}

async function main(): Promise<void> {
  await rm(work, { recursive: true, force: true });
  await cp(path.join(repo, 'examples', 'shop'), work, { recursive: true });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'dbctl-example-pg-'));
  process.stdout.write('starting an embedded PostgreSQL for the example...\n');
  const server = await startEmbeddedPostgres(dataDir);
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  await admin.unsafe('create database shop_dev');
  await admin.unsafe('create database shop_production');
  const urlOf = (db: string) => server.url.replace(/\/postgres$/, `/${db}`);
  const dev = postgres(urlOf('shop_dev'), { max: 1, onnotice: () => {} });
  const env = {
    ...process.env,
    DATABASE_URL: urlOf('shop_dev'),
    PRODUCTION_DATABASE_URL: urlOf('shop_production'),
    NO_COLOR: process.env.NO_COLOR ?? '',
  };
  let failures = 0;
  let dropTag = '';
  let backupId = '';
  const steps: Step[] = [
    // 1. applying migrations safely
    { title: 'What is pending in development?', run: [['status']], expect: 0 },
    { title: 'What would migrate do? (nothing changes)', run: [['migrate', '--dry-run']], expect: 0 },
    { title: 'Apply the first two migrations', run: [['migrate', '--to', '0001_orders_status_and_products']], expect: 0 },
    {
      title: 'Three replicas start at once: each migration is applied exactly once, the others wait for the lock',
      run: [['migrate'], ['migrate'], ['migrate']],
      expect: 0,
    },
    { title: 'Everything applied', run: [['status']], expect: 0 },
    // 2. generate without prompts, and review
    {
      title: 'Rename customers.name to full_name and index orders.total_cents in src/schema.ts; generate cannot guess the rename',
      before: async () => {
        await editSchema("name: text('name').notNull(),", "fullName: text('full_name').notNull(),");
        await editSchema(
          "index('orders_created_at_idx').on(t.createdAt)]",
          "index('orders_created_at_idx').on(t.createdAt), index('orders_total_idx').on(t.totalCents)]",
        );
        return 'edited src/schema.ts';
      },
      run: [['generate', '--name', 'customer_full_name']],
      expect: 2,
    },
    {
      title: 'Answer the rename: the migration keeps the data; its review flags the blocking index build',
      run: [['generate', '--name', 'customer_full_name', '--rename', 'customers.name=customers.full_name']],
      expect: 1,
    },
    {
      title: 'Follow the review: build the index CONCURRENTLY, then review what is pending in development',
      before: async () => {
        const file = path.join(work, 'drizzle', `${await newestTag()}.sql`);
        await writeFile(
          file,
          (await readFile(file, 'utf8')).replace('CREATE INDEX "orders_total_idx"', 'CREATE INDEX CONCURRENTLY "orders_total_idx"'),
        );
        return `edited ${path.relative(work, file)}`;
      },
      run: [['review', '--env', 'development']],
      expect: 0,
    },
    { title: 'Apply it', run: [['migrate']], expect: 0 },
    // 3. production guards and backups
    {
      title: 'A pull request drops orders.status: the review says what it costs',
      before: async () => {
        await editSchema("    status: text('status').notNull().default('open'),\n", '');
        await dev`insert into customers (email, full_name) values ('ada@example.com', 'Ada'), ('bob@example.com', 'Bob')`;
        await dev`insert into orders (customer_id, total_cents, status) select 1 + g % 2, g * 100, case when g % 3 = 0 then 'shipped' else 'open' end from generate_series(1, 300) g`;
        return 'edited src/schema.ts; development has 300 orders';
      },
      run: [['generate', '--name', 'drop_order_status']],
      expect: 1,
    },
    {
      title: 'Production is protected: first bring it up to the release before',
      run: [['migrate', '--env', 'production', '--to', '0004_customer_full_name']],
      expect: 0,
    },
    {
      title: 'The destructive migration is refused there without an explicit allow (production holds orders: the drop destroys data)',
      before: async () => {
        dropTag = await newestTag();
        const prod = postgres(urlOf('shop_production'), { max: 1, onnotice: () => {} });
        await prod`insert into customers (email, full_name) values ('cy@example.com', 'Cy')`;
        await prod`insert into orders (customer_id, total_cents, status) select 1, g * 100, 'shipped' from generate_series(1, 50) g`;
        await prod.end();
        return 'production has 50 shipped orders';
      },
      run: [['migrate', '--env', 'production']],
      expect: 3,
    },
    {
      title: 'The release is reviewed: allow it; dbctl backs up orders.status first',
      run: [['migrate', '--env', 'production', '--allow-destructive']],
      expect: 0,
    },
    { title: 'The backups', run: [['backups', '--env', 'production']], expect: 0 },
    {
      title: 'Nobody pushes schema straight into production, whatever the flags',
      run: [['push', '--env', 'production', '--force', '--yes']],
      expect: 3,
    },
    // 4. fixing forward
    {
      title: 'The status column was still needed: revert the drop (a new migration), and restore its data in production',
      run: [['revert', '__DROP_TAG__']],
      expect: 0,
    },
    {
      title: 'Put the column back in src/schema.ts as revert says, apply the revert, and restore the backup into production',
      before: async () => {
        await editSchema(
          "    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),\n  },",
          "    status: text('status').notNull().default('open'),\n    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),\n  },",
        );
        const listed = await dbctl(['backups', '--env', 'production', '--json'], env);
        backupId = (JSON.parse(listed.output.slice(listed.output.indexOf('['))) as { id: string }[])[0]!.id;
        return `edited src/schema.ts; the backup is ${backupId}`;
      },
      run: [['migrate', '--env', 'production', '--allow-destructive']],
      expect: 0,
    },
    {
      title: 'Restore the status values by primary key',
      run: [['restore', '__BACKUP_ID__', '--env', 'production', '--allow-restore']],
      expect: 0,
    },
    { title: 'Development catches up', run: [['migrate']], expect: 0 },
    {
      title: 'Someone drops an index by hand in development; the CI gate with --env sees the drift',
      before: async () => {
        await dev.unsafe('DROP INDEX orders_total_idx');
        return 'psql> DROP INDEX orders_total_idx;';
      },
      run: [['check', '--env', 'development']],
      expect: 1,
    },
    {
      title: 'fix writes the repair as a reviewed migration',
      run: [['fix', '--env', 'development', '--name', 'restore_orders_total_idx']],
      expect: 0,
    },
    { title: 'Apply it', run: [['migrate']], expect: 0 },
    { title: 'The CI gate', run: [['check', '--env', 'development']], expect: 0 },
  ];
  try {
    for (const step of steps) {
      process.stdout.write(`\n# ${step.title}\n`);
      if (step.before) process.stdout.write(`  (${await step.before()})\n`);
      const commands = (step.run ?? []).map((args) =>
        args.map((a) => (a === '__DROP_TAG__' ? dropTag : a === '__BACKUP_ID__' ? backupId : a)),
      );
      const results = await Promise.all(commands.map((args) => dbctl(args, env)));
      commands.forEach((args, i) => {
        const result = results[i]!;
        const ok = step.expect === undefined || result.code === step.expect;
        if (!ok) failures++;
        process.stdout.write(`$ dbctl ${args.join(' ')}${commands.length > 1 ? `   # replica ${i + 1}` : ''}\n`);
        process.stdout.write(
          `${result.output.replace(/\s+$/, '').replace(/^/gm, '  ')}\n  (exit ${result.code}${ok ? '' : `, expected ${step.expect}`})\n`,
        );
      });
    }
  } finally {
    await dev.end();
    await admin.end();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  if (failures) {
    process.stdout.write(`\n${failures} step(s) did not end as expected (see the exit codes above)\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write('\nexample finished: every step ended as expected\n');
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`example failed: ${(error as Error).message.split('\n')[0]}\n`);
  process.exitCode = 1;
}
