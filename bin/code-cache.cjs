/**
 * V8's code cache for dbctl's CLI bundle on Node versions without `module.enableCompileCache`
 * (Node 20): each `dist/bundle/*.cjs` file is compiled through `vm.Script` with the code V8 made for
 * it in an earlier run, kept in `node_modules/.cache/dbctl/code-<dbctl version>/` (the nearest
 * `node_modules` above the bundle), so a run compiles almost nothing (`migrate` with nothing pending
 * and `review`: about 0.92x the CPU time). The cached code is made at exit, after the run, so it
 * holds the functions the run used, and only by a run that finds the directory an earlier run made:
 * making the entries costs a run about as much, and a fresh container's first run may be its only.
 *
 * An entry is named by the SHA-256 of the source it was made from (V8 itself checks only the
 * source's length), so a rebuilt bundle never runs older code; V8 rejects an entry made by another
 * V8 or with other flags, and a rejected, corrupt or missing entry only means compiling as usual
 * (and storing it again). Entries are written through a temporary file and a rename; an unwritable
 * place means no cache, never an error. `NODE_DISABLE_COMPILE_CACHE=1` (Node's own switch for its
 * compile cache) turns it off. Trusted as `node_modules` is: whoever can write there can replace
 * dbctl itself.
 */
'use strict';
const Module = require('node:module');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

/** `node_modules/.cache/dbctl` in the nearest `node_modules` above `from`; null when there is none. */
function cacheRoot(from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const modules = path.join(dir, 'node_modules');
    if (fs.existsSync(modules)) return path.join(modules, '.cache', 'dbctl');
    if (path.dirname(dir) === dir) return null;
  }
}

/**
 * Compiles the CommonJS files beside `entry` (the bundle's `cli.cjs`) with V8's code cache (see
 * the top of this file). Code compiled this way has no `import()` of its own once it comes from the
 * cache, so the bundle imports packages and file urls through the one given here
 * (`src/io/dynamic-import.ts`; the build checks that no other `import()` is left in it).
 */
function useCodeCache(entry, version) {
  const bundleDir = path.dirname(entry);
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return;
  const root = cacheRoot(bundleDir);
  if (!root) return;
  const dir = path.join(root, `code-${version}`);
  globalThis[Symbol.for('dbctl.dynamicImport')] = (specifier) => import(specifier);
  const prefix = bundleDir + path.sep;
  const made = [];
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    if (!filename.startsWith(prefix) || !filename.endsWith('.cjs')) return compile.call(this, content, filename);
    const stored = path.join(
      dir,
      `${path.basename(filename, '.cjs')}-${createHash('sha256').update(content).digest('hex').slice(0, 24)}.bin`,
    );
    let cachedData;
    try {
      cachedData = fs.readFileSync(stored);
    } catch {
      // not made yet
    }
    const script = new vm.Script(Module.wrap(content), { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected) made.push({ script, stored });
    return script
      .runInThisContext()
      .call(this.exports, this.exports, bundleRequire(this, filename), this, filename, path.dirname(filename));
  };
  /**
   * `require` for a bundle file: its sibling chunks (`./chunk-X.cjs`, what the build writes) load
   * straight from the bundle's directory, without Node's resolution of each (a stat and a realpath);
   * anything else goes through Node's own `require`.
   */
  function bundleRequire(parent, filename) {
    const nodeRequire = Module.createRequire(filename);
    const require = (request) => {
      if (typeof request !== 'string' || !request.startsWith('./') || !request.endsWith('.cjs') || request.includes('/', 2)) {
        return nodeRequire(request);
      }
      const file = prefix + request.slice(2);
      const cached = Module._cache[file];
      if (cached) return cached.exports;
      const child = new Module(file, parent);
      Module._cache[file] = child;
      let loaded = false;
      try {
        child.load(file);
        loaded = true;
      } finally {
        if (!loaded) delete Module._cache[file];
      }
      return child.exports;
    };
    return Object.assign(require, {
      resolve: nodeRequire.resolve,
      cache: nodeRequire.cache,
      main: nodeRequire.main,
      extensions: nodeRequire.extensions,
    });
  }

  process.once('exit', () => {
    if (made.length === 0) return;
    try {
      if (!fs.existsSync(dir)) {
        // The first run only makes the directory: making the entries costs about as much as they
        // save a later run, and a container's first run is often its only one (its node_modules
        // goes with it). A run that finds the directory made by an earlier one makes them.
        fs.mkdirSync(dir, { recursive: true });
        // another version's entries are of no use any more
        for (const name of fs.readdirSync(root)) {
          if (name.startsWith('code-') && name !== path.basename(dir)) fs.rmSync(path.join(root, name), { recursive: true, force: true });
        }
        return;
      }
      // entries of files no longer in the bundle (an earlier build) and of an earlier source of a file made now go
      const now = new Set(made.map(({ stored }) => path.basename(stored)));
      const stemOf = (name) => name.replace(/-[0-9a-f]{24}\.bin$/, '');
      const madeStems = new Set([...now].map(stemOf));
      for (const name of fs.readdirSync(dir)) {
        const stem = stemOf(name);
        if (now.has(name) || name.endsWith('.tmp')) continue; // another run's entry being written
        if (stem !== name && !madeStems.has(stem) && fs.existsSync(path.join(bundleDir, `${stem}.cjs`))) continue;
        fs.rmSync(path.join(dir, name), { force: true });
      }
      for (const { script, stored } of made) {
        const temporary = `${stored}.${process.pid}.tmp`;
        fs.writeFileSync(temporary, script.createCachedData());
        fs.renameSync(temporary, stored);
      }
    } catch {
      // no cache this time
    }
  });
}

module.exports = { useCodeCache };
