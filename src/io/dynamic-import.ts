/**
 * `import(specifier)` of a package, a Node module or a file url, for code in the CLI bundle. On
 * Node 20 the CLI's loader (`bin/code-cache.cjs`) compiles the bundle through V8's code cache, and
 * code compiled that way has no `import()` of its own once it comes from the cache: the loader then
 * provides this one, compiled by Node as usual (it resolves bare names from the package, as the
 * bundle would). Everywhere else (the library, tests) it is Node's own `import()`.
 */
export function dynamicImport<T = Record<string, unknown>>(specifier: string): Promise<T> {
  const provided = (globalThis as { [key: symbol]: unknown })[Symbol.for('dbctl.dynamicImport')];
  return typeof provided === 'function' ? (provided as (s: string) => Promise<T>)(specifier) : (import(specifier) as Promise<T>);
}
