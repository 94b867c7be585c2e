#!/usr/bin/env node
// Node's own modules and the CommonJS bundle are `require`d: an ES module import of each would cost
// the ES module loader's work on every run.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [first, ...rest] = process.argv.slice(2);
if (rest.length === 0 && (first === '--version' || first === '-V')) {
  // `dbctl --version` answers before loading anything else
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  // A run is short: V8 would optimize (on a second thread) code that has run only a few milliseconds
  // and that the run then hardly uses (review of 200 migrations: 15% less CPU with a budget 8x the
  // default of 132 KB); code that runs long, as on a 20,000-statement migration, still gets optimized.
  require('node:v8').setFlagsFromString('--interrupt-budget=1048576');
  // WebAssembly (the SQL parser) compiled by the baseline compiler only (src/sql/parser.ts,
  // useBaselineWasmCompiler). Set here, before any of the bundle is compiled: V8 rejects cached code
  // made under other flags, and code cached at exit is made under the flags of that moment.
  require('node:v8').setFlagsFromString('--liftoff-only');
  // Compiled code kept between runs: Node >= 22.1 keeps it itself (in os.tmpdir()/node-compile-cache);
  // on Node 20, bin/code-cache.cjs does it for the bundle. NODE_DISABLE_COMPILE_CACHE=1 turns either off.
  const Module = require('node:module');
  if (Module.enableCompileCache) Module.enableCompileCache();
  else require('./code-cache.cjs').useCodeCache(require.resolve('../dist/bundle/cli.cjs'), require('../package.json').version);
  require('../dist/bundle/cli.cjs');
}
