/**
 * Bundles the CLI (src/cli.ts and every command it loads lazily) into dist/bundle/ with esbuild:
 * one entry file plus a chunk per lazily imported command, its small runtime libraries inlined.
 * Each file and package the ESM loader resolves at start costs a few milliseconds, and a command
 * like `dbctl migrate` with nothing pending runs at every container start. `npm run build` runs it
 * after tsc, whose dist/ output stays the library (`import { defineConfig } from 'dbctl'`).
 *
 * esbuild splits code into chunks only for ES modules; each chunk is then turned into a CommonJS
 * file (`.cjs`), so that `bin/dbctl.js` can compile it with V8's code cache on Node 20, which has
 * none for ES modules (`bin/code-cache.cjs`; Node >= 22.1 keeps its own).
 */
import { build, transform } from 'esbuild';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const outdir = path.join(repoRoot, 'dist', 'bundle');

/**
 * Left to Node's resolver at run time: the peers (the user's own drizzle versions), libpg-query
 * (loads its WASM file next to itself), jiti (loads its transform lazily, by path) and xmlbuilder2
 * (only for junit output, required on demand).
 */
const external = ['drizzle-kit', 'drizzle-kit/*', 'drizzle-orm', 'drizzle-orm/*', 'libpg-query', 'jiti', 'xmlbuilder2'];

/**
 * Node modules some dependencies load at their top but dbctl needs only on some runs: each
 * `import`/`require` here becomes a require on first use. The build fails when a package no longer
 * uses the module as expected (the import as written, and only `<binding>.<member>(` calls), so an
 * upgrade cannot silently bring the eager load back or call what the stand-in lacks. A
 * `replacement` stands in for the module without loading it.
 */
const LAZY_BUILTINS = [
  // postgres.js: `tls` (about 3 ms of Node's own module loading) only for a connection with sslmode
  { file: 'postgres/src/connection.js', module: 'tls', eager: "import tls from 'tls'\n", binding: 'tls', member: 'connect' },
  // postgres.js: `perf_hooks` only for the time since a connection closed (a difference of two
  // `performance.now()`), at every exit: any monotonic millisecond clock serves
  {
    file: 'postgres/src/connection.js',
    module: 'perf_hooks',
    eager: "import { performance } from 'perf_hooks'\n",
    binding: 'performance',
    member: 'now',
    replacement: 'const performance = { now: () => Number(process.hrtime.bigint()) / 1e6 }\n',
  },
  // commander: `child_process` (with `net` and `dgram` behind it, about 5 ms) only for git-style
  // executable subcommands (`dbctl-foo` files), which dbctl has none of
  {
    file: 'commander/lib/command.js',
    module: 'child_process',
    eager: "const childProcess = require('node:child_process');\n",
    binding: 'childProcess',
    member: 'spawn',
  },
];

const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    const files = [...new Set(LAZY_BUILTINS.map((r) => r.file))];
    for (const file of files) {
      const filter = new RegExp(`[\\\\/]node_modules[\\\\/]${file.replaceAll('/', '[\\\\/]').replaceAll('.', '\\.')}$`);
      build.onLoad({ filter }, async (args) => {
        let source = await readFile(args.path, 'utf8');
        for (const { module, eager, binding, member, replacement } of LAZY_BUILTINS.filter((r) => r.file === file)) {
          const uses = source.match(new RegExp(`\\b${binding}\\.`, 'g')) ?? [];
          const calls = source.match(new RegExp(`\\b${binding}\\.${member}\\(`, 'g')) ?? [];
          if (!source.includes(eager) || uses.length === 0 || uses.length !== calls.length) {
            throw new Error(
              `${args.path}: ${module} is no longer used as scripts/bundle.mjs expects (${eager.trim()}, only ${binding}.${member}())`,
            );
          }
          const lazy = `const ${binding} = { ${member}: (...args) => require('node:${module}').${member}(...args) }\n`;
          source = source.replace(eager, replacement ?? lazy);
        }
        return { contents: source, loader: 'js' };
      });
    }
  },
};

await rm(outdir, { recursive: true, force: true });
const esmdir = `${outdir}-esm`;
await rm(esmdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: repoRoot,
  entryPoints: { cli: 'src/cli.ts' },
  outdir: esmdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  plugins: [lazyBuiltins],
  // the version, known at build time (src/version.ts reads package.json without it)
  define: { __DBCTL_BUNDLED_VERSION__: JSON.stringify(JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')).version) },
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

/** The packages inlined into the bundle (from esbuild's metafile), with their license texts. */
async function inlinedLicenses(inputs) {
  const packages = new Map(); // package directory (relative to the repository) -> name
  for (const file of Object.keys(inputs)) {
    const matches = [...file.replaceAll('\\', '/').matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)];
    const last = matches.at(-1);
    if (last) packages.set(file.slice(0, last.index + last[0].length - 1), last[1]);
  }
  const sections = [];
  for (const [relative, name] of [...packages].sort((a, b) => a[1].localeCompare(b[1]))) {
    const dir = path.join(repoRoot, relative);
    const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    const licenseFile = (await readdir(dir)).find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = licenseFile ? await readFile(path.join(dir, licenseFile), 'utf8') : `License: ${manifest.license}`;
    sections.push(`${name}@${manifest.version} (${manifest.license})\n\n${text.trim()}\n`);
  }
  return sections.join(`\n${'-'.repeat(72)}\n\n`);
}

/**
 * One ES module chunk as CommonJS: its imports of other chunks become `require`s of their `.cjs`
 * (a chunk's `import()` of another a `require` on the next tick, as lazy as before); imports of
 * packages and Node's modules `require`s; `import.meta.url` this file's url. The one `import()`
 * left is `dynamicImport`'s (src/io/dynamic-import.ts), which the code cache's loader replaces.
 * The chunks form no cycle (esbuild's chunk graph is a strict order), so CommonJS evaluates them
 * in the same order as the ES modules.
 */
async function toCommonJs(code, file) {
  const url = '__dbctlImportMetaUrl';
  const { code: converted } = await transform(code, {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    define: { 'import.meta.url': url },
    logLevel: 'error',
  });
  const chunk = String.raw`"(\./[\w.-]+)\.js"`;
  const rewritten = converted
    .replace(new RegExp(String.raw`\brequire\(${chunk}\)`, 'g'), 'require("$1.cjs")')
    .replace(new RegExp(String.raw`\bimport\(${chunk}\)`, 'g'), 'Promise.resolve().then(() => require("$1.cjs"))');
  if (/\bimport\("\.\//.test(rewritten) || /\brequire\("\.\/[^"]+\.js"\)/.test(rewritten)) {
    throw new Error(`${file}: a chunk import was left unconverted`);
  }
  // code compiled from V8's code cache cannot `import()`: the one dynamic import is src/io/dynamic-import.ts's
  const imports = rewritten.match(/(?<![\w.$])import\s*\([^)]*\)/g) ?? [];
  if (imports.some((call) => call !== 'import(specifier)')) {
    throw new Error(`${file}: ${imports.join(', ')}: import packages and files through dynamicImport (src/io/dynamic-import.ts)`);
  }
  return `const ${url} = require('node:url').pathToFileURL(__filename).href;\n${rewritten}`;
}

await mkdir(outdir, { recursive: true });
for (const name of await readdir(esmdir)) {
  if (!name.endsWith('.js')) throw new Error(`unexpected bundle output ${name}`);
  const code = await readFile(path.join(esmdir, name), 'utf8');
  await writeFile(path.join(outdir, name.replace(/\.js$/, '.cjs')), await toCommonJs(code, name));
}
await rm(esmdir, { recursive: true, force: true });

// the licenses of the libraries inlined into dist/bundle travel with it
await writeFile(path.join(outdir, 'THIRD-PARTY-LICENSES.txt'), await inlinedLicenses(result.metafile.inputs));

// the CommonJS entry of the library (`require('dbctl')`): the config helpers and error types
// inlined, each operation a call into the ES module API (dist/index.js), loaded on first use
await build({
  absWorkingDir: repoRoot,
  entryPoints: ['src/api-cjs.ts'],
  outfile: path.join(repoRoot, 'dist', 'index.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['./index.js'],
  legalComments: 'none',
  logLevel: 'warning',
});
// its types: the ES module API's, for a CommonJS TypeScript project
await writeFile(path.join(repoRoot, 'dist', 'index.d.cts'), "export * from './index.js';\n");
