/**
 * `review.appliedBy` in the config, and what `drizzle-kit` turns on in the review.
 */
import { describe, expect, it } from 'vitest';
import { appliedByDbctl } from '../../../src/commands/review.js';
import type { ProjectConfig } from '../../../src/config/types.js';
import { parseUserConfig } from '../../../src/config/schema.js';
import { findingsOf, review } from './support.js';

const parse = (review: unknown) => parseUserConfig({ review }, { projectDir: '/p', label: 'dbctl.config.json' });

describe('review.appliedBy config', () => {
  it('accepts dbctl and drizzle-kit, leaves it unset by default, rejects anything else', () => {
    expect(parse({ appliedBy: 'drizzle-kit' }).review.appliedBy).toBe('drizzle-kit');
    expect(parse({ appliedBy: 'dbctl' }).review.appliedBy).toBe('dbctl');
    expect(parse(undefined).review.appliedBy).toBeUndefined();
    expect(() => parse({ appliedBy: 'flyway' })).toThrow(/dbctl.config.json has 1 problem/);
  });
});

describe('--applied-by over review.appliedBy (review and check)', () => {
  const project = (appliedBy?: 'dbctl' | 'drizzle-kit') =>
    ({ review: { rules: {}, ...(appliedBy ? { appliedBy } : {}) } }) as unknown as ProjectConfig;
  it('defaults to dbctl; the config can say drizzle-kit; the flag wins; an unknown tool is a usage error', () => {
    expect(appliedByDbctl(project(), undefined)).toBe(true);
    expect(appliedByDbctl(project('drizzle-kit'), undefined)).toBe(false);
    expect(appliedByDbctl(project('drizzle-kit'), 'dbctl')).toBe(true);
    expect(appliedByDbctl(project(), 'drizzle-kit')).toBe(false);
    expect(() => appliedByDbctl(project(), 'flyway')).toThrow(/--applied-by flyway/);
  });
});

describe('applied by drizzle-kit', () => {
  const context = [
    'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "email" text);\n--> statement-breakpoint\nCREATE TYPE "mood" AS ENUM (\'a\');',
  ];
  it('reports missing lock_timeout / statement_timeout, CONCURRENTLY in the transaction and enum values used before commit', async () => {
    const sql = `ALTER TABLE "users" ADD COLUMN "bio" text;\n--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "i" ON "users" ("email");\n--> statement-breakpoint\nALTER TYPE "mood" ADD VALUE 'b' AFTER 'a';\n--> statement-breakpoint\nSELECT 'b'::mood;`;
    const kit = await review(sql, { context, appliedByDbctl: false });
    expect(findingsOf(kit, 'require-lock-timeout')).toHaveLength(1);
    expect(findingsOf(kit, 'ban-concurrent-index-creation-in-transaction')).toMatchObject([{ severity: 'error' }]);
    expect(findingsOf(kit, 'enum-value-added-and-used')).toMatchObject([{ severity: 'error' }]);
    const dbctl = await review(sql, { context });
    expect(findingsOf(dbctl, 'require-lock-timeout')).toEqual([]);
    expect(findingsOf(dbctl, 'ban-concurrent-index-creation-in-transaction')).toEqual([]);
    expect(findingsOf(dbctl, 'enum-value-added-and-used')).toMatchObject([{ severity: 'warning' }]);
  });

  it('require-statement-timeout fires on a slow statement without statement_timeout', async () => {
    const kit = await review('CREATE INDEX "i" ON "users" ("email");', { context, appliedByDbctl: false });
    expect(findingsOf(kit, 'require-statement-timeout')).toHaveLength(1);
  });
});
