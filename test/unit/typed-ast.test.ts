/**
 * The classification table and the review rules read the parser's tree through types
 * (`@pgsql/types`, via src/sql/ast.ts): no `any` in src/core or src/review, so a misread field
 * (a wrapped node read as bare, a list read as a name) is a compile error, not a silent undefined.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? files(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every `any` written in a file, as `file:line`. */
function anys(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.AnyKeyword)
      out.push(`${path.relative(src, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

describe('typed AST at the rules’ boundary', () => {
  for (const dir of ['core', 'review']) {
    it(`src/${dir} has no \`any\``, () => {
      expect(files(path.join(src, dir)).flatMap(anys)).toEqual([]);
    });
  }
});
