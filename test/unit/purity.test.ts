/**
 * The pure modules stay pure: they decide, they do not reach the file system, the network, the
 * database driver, child processes, prompts or the process itself. Effects live in src/io,
 * src/backup, src/drizzle and the commands.
 *
 * Pure are: everything under src/core, src/review and src/sql, and the files listed in
 * `PURE_FILES` (pure pieces of the effectful folders: renderers that return strings, backup
 * planning and DDL text, naming). A pure module may only import (at run time) other pure code:
 * its relative imports are followed, so a pure module importing an effectful one fails too.
 * `import type` is erased at build time and not followed.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const PURE_DIRS = ['core', 'review', 'sql'];
/**
 * The effect edges inside the pure folders (paths relative to src/): not checked as roots, but a
 * pure module importing one at run time still fails. `sql/parser.ts` loads the WASM parser and its
 * parse cache; pure code receives a parser, it does not load one.
 */
const EFFECT_EDGES = ['sql/parser.ts'];
/** Pure files outside the pure folders (paths relative to src/). Moving one? Update the list. */
const PURE_FILES = [
  'errors.ts',
  'render/check.ts',
  'render/sql-error.ts',
  'render/status.ts',
  'render/templates.ts',
  'render/review/index.ts',
  'render/review/json.ts',
  'render/review/junit.ts',
  'render/review/github.ts',
  'render/review/markdown.ts',
  'render/review/text.ts',
  'backup/restore-plan.ts',
  'backup/ddl.ts',
  'backup/sql-text.ts',
  'backup/manifest.ts',
  'backup/copy-frames.ts',
  'backup/types.ts',
  'drizzle/generate/naming.ts',
  'drizzle/generate/words.ts',
];
const FORBIDDEN_IMPORTS =
  /^(node:)?(fs|fs\/promises|net|tls|dgram|http|https|child_process|worker_threads|readline|cluster)$|^(postgres|prompts|jiti|drizzle-kit)(\/|$)/;
/** Any read of the `process` global (env, argv, cwd, stdout, exit, ...), outside comments. */
const PROCESS_USE = /(?<![\w.'"`$])(?:globalThis\.)?process\s*(?:\?\.|\.|\[)\s*\w*/;
const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s+'([^']+)'/g;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? files(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The problems of one file on its own, and the src files it imports at run time. */
function inspect(file: string): { problems: string[]; imports: string[] } {
  const text = readFileSync(file, 'utf8');
  const code = text.replace(/\/\*[\s\S]*?\*\/|(^|[^:'"`])\/\/[^\n]*/g, '$1');
  const problems: string[] = [];
  const imports: string[] = [];
  for (const match of code.matchAll(IMPORT)) {
    const typeOnly = Boolean(match[2]);
    const specifier = match[3] ?? match[4] ?? match[5]!;
    if (FORBIDDEN_IMPORTS.test(specifier)) problems.push(`imports ${specifier}`);
    if (!typeOnly && specifier.startsWith('.')) imports.push(path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')));
  }
  const use = PROCESS_USE.exec(code);
  if (use) problems.push(`uses ${use[0]}`);
  return { problems, imports };
}

/** Checks `roots` and everything they import at run time; returns one line per problem. */
function purityProblems(roots: string[]): string[] {
  const out: string[] = [];
  const seen = new Map<string, string[]>();
  const visit = (file: string, via: string[]): void => {
    if (seen.has(file)) return;
    if (!existsSync(file)) {
      out.push(`${[...via, path.relative(src, file)].join(' → ')}: no such file`);
      return;
    }
    const { problems, imports } = inspect(file);
    seen.set(file, problems);
    const chain = [...via, path.relative(src, file)].join(' → ');
    for (const problem of problems) out.push(`${chain} ${problem}`);
    for (const next of imports) visit(next, [...via, path.relative(src, file)]);
  };
  for (const root of roots) visit(root, []);
  return out;
}

describe('pure modules', () => {
  for (const dir of PURE_DIRS) {
    it(`src/${dir} (and what it imports) uses no fs, net, postgres, child processes, prompts or process state`, () => {
      const roots = files(path.join(src, dir)).filter((file) => !EFFECT_EDGES.includes(path.relative(src, file)));
      expect(purityProblems(roots)).toEqual([]);
    });
  }

  it('the pure files of render/, backup/, drizzle/ and errors.ts (and what they import) stay pure', () => {
    expect(purityProblems(PURE_FILES.map((f) => path.join(src, f)))).toEqual([]);
  });

  it('the check itself catches an fs import, a process read and an effectful import reached through another module', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dbctl-purity-'));
    const write = (name: string, text: string) => {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    const a = write('a.ts', "import { b } from './b.js';\nimport type { T } from './typed.js';\nexport const a = b;\n");
    write('b.ts', "import { readFileSync } from 'node:fs';\nexport const b = readFileSync;\n");
    write('typed.ts', "import postgres from 'postgres';\nexport type T = typeof postgres;\n");
    const c = write('c.ts', '// process.env in a comment is fine\nexport const c = () => process.env.HOME;\n');
    const problems = purityProblems([a, c]);
    expect(problems.some((p) => p.includes('a.ts → ') && p.includes('b.ts imports node:fs'))).toBe(true);
    expect(problems.some((p) => p.includes('typed.ts'))).toBe(false);
    expect(problems.some((p) => p.includes('c.ts uses process.env'))).toBe(true);
    expect(problems).toHaveLength(2);
    rmSync(dir, { recursive: true, force: true });
  });
});
