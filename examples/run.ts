/**
 * `npm run example`: the main job of dbctl on the bundled example project (examples/shop),
 * against an embedded PostgreSQL started here (no Docker, no setup). It copies the project to
 * .tmp/example/ and runs the real `dbctl` binary there, printing each command as a user would type it.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { startEmbeddedPostgres } from '../test/support/embedded.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = path.join(repo, '.tmp', 'example');
const bin = path.join(repo, 'bin', 'dbctl.js');

interface Step {
  title: string;
  args: string[][];
  /** exit codes that are the point of the step */
  expect?: number[];
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function main(): Promise<void> {
  await rm(work, { recursive: true, force: true });
  await cp(path.join(repo, 'examples', 'shop'), work, { recursive: true });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'dbctl-example-pg-'));
  process.stdout.write('starting an embedded PostgreSQL for the example...\n');
  const server = await startEmbeddedPostgres(dataDir);
  const env = { ...process.env, DATABASE_URL: server.url, NO_COLOR: process.env.NO_COLOR ?? '' };
  let failed = false;
  try {
    const steps: Step[] = [
      { title: 'What is pending?', args: [['status']], expect: [0] },
      { title: 'What would migrate do? (nothing changes)', args: [['migrate', '--dry-run']], expect: [0] },
      { title: 'Apply the first two migrations', args: [['migrate', '--to', '0001_orders_status_and_products']], expect: [0] },
      {
        title: 'Three replicas start at once: each migration is applied exactly once, the others wait for the lock',
        args: [['migrate'], ['migrate'], ['migrate']],
        expect: [0],
      },
      { title: 'Everything applied', args: [['status']], expect: [0] },
    ];
    for (const step of steps) {
      process.stdout.write(`\n# ${step.title}\n`);
      const results = await Promise.all(step.args.map((args) => run(args, env)));
      step.args.forEach((args, i) => {
        const result = results[i]!;
        process.stdout.write(`$ dbctl ${args.join(' ')}${step.args.length > 1 ? `   # replica ${i + 1}` : ''}\n`);
        process.stdout.write(result.output.replace(/^/gm, '  ').replace(/\s+$/, '') + `\n  (exit ${result.code})\n`);
        if (step.expect && !step.expect.includes(result.code)) failed = true;
      });
    }
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  if (failed) {
    process.stdout.write('\nthe example did not go as expected (see the exit codes above)\n');
    process.exitCode = 1;
  } else {
    process.stdout.write('\nexample finished: every step behaved as expected\n');
  }
}

await main();
