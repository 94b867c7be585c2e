import { describe, expect, it } from 'vitest';
import { lineAndColumn, splitStatements } from '../../../src/core/statements.js';
import { planSegments } from '../../../src/core/segments.js';
import { backoffMs } from '../../../src/core/retry.js';
import { drizzleHash } from '../../../src/drizzle/folder.js';
import { createHash } from 'node:crypto';

describe('splitStatements', () => {
  it('splits exactly where drizzle splits and keeps line numbers', () => {
    const text = 'CREATE TABLE a (id int);\n--> statement-breakpoint\n\nALTER TABLE a\n  ADD b int;\n--> statement-breakpoint\n';
    const statements = splitStatements(text);
    expect(statements.map((s) => [s.index, s.line])).toEqual([
      [0, 1],
      [1, 4],
    ]);
    expect(statements[1]!.sql).toBe('\n\nALTER TABLE a\n  ADD b int;\n');
    expect(text.slice(statements[1]!.offset).startsWith(statements[1]!.sql)).toBe(true);
  });

  it('handles CRLF files, empty files and a file without breakpoints', () => {
    expect(splitStatements('')).toEqual([]);
    expect(splitStatements('  \n')).toEqual([]);
    const crlf = splitStatements('SELECT 1;\r\n--> statement-breakpoint\r\nSELECT 2;\r\n');
    expect(crlf.map((s) => s.line)).toEqual([1, 3]);
    expect(splitStatements('SELECT 1; SELECT 2;')).toHaveLength(1);
  });

  it('finds line and column of an offset', () => {
    const text = 'a\nbcd\r\nef';
    expect(lineAndColumn(text, 3)).toEqual({ line: 2, column: 1, lineText: 'bcd' });
  });
});

describe('drizzleHash', () => {
  it('is sha256 of the text as drizzle-orm computes it, CRLF and BOM included', () => {
    const text = '\uFEFFCREATE TABLE é (id int);\r\n';
    expect(drizzleHash(text)).toBe(createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
  });
});

describe('planSegments', () => {
  const tx = { transactional: true, commitAfter: false };
  it('groups transactional statements and isolates the others', () => {
    expect(planSegments([tx, tx])).toEqual([{ transactional: true, statements: [0, 1] }]);
    expect(planSegments([tx, { transactional: false, commitAfter: false }, tx])).toEqual([
      { transactional: true, statements: [0] },
      { transactional: false, statements: [1] },
      { transactional: true, statements: [2] },
    ]);
  });
  it('commits after a statement whose effect later statements use', () => {
    expect(planSegments([tx, { transactional: true, commitAfter: true }, tx])).toEqual([
      { transactional: true, statements: [0, 1] },
      { transactional: true, statements: [2] },
    ]);
  });
  it('gives nothing for an empty migration', () => {
    expect(planSegments([])).toEqual([]);
  });
});

describe('backoffMs', () => {
  it('doubles with jitter and is bounded', () => {
    expect(backoffMs(1, () => 0.5)).toBe(500);
    expect(backoffMs(2, () => 0.5)).toBe(1000);
    expect(backoffMs(20, () => 1)).toBe(12_500);
    expect(backoffMs(1, () => 0)).toBe(375);
  });
});
