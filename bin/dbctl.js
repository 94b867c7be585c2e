#!/usr/bin/env node
// `dbctl --version` answers before loading anything else; every other call loads the CLI.
const [first, ...rest] = process.argv.slice(2);
if (rest.length === 0 && (first === '--version' || first === '-V')) {
  const { readFileSync } = await import('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  // A run is short: V8 would optimize (on a second thread) code that has run only a few milliseconds
  // and that the run then hardly uses (review of 200 migrations: 15% less CPU with a budget 8x the
  // default of 132 KB); code that runs long, as on a 20,000-statement migration, still gets optimized.
  (await import('node:v8')).setFlagsFromString('--interrupt-budget=1048576');
  // Node >= 22.1 can keep V8's compiled code of dist/ between runs (in os.tmpdir()/node-compile-cache;
  // NODE_DISABLE_COMPILE_CACHE=1 turns it off); on older Node there is no such cache and this does nothing
  (await import('node:module')).default.enableCompileCache?.();
  await import('../dist/bundle/cli.js');
}
