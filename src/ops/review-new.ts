/**
 * The review of a migration a command just wrote (generate, fix, revert): the earlier migrations
 * are context that teaches the review the schema. The review modules and the SQL parser are
 * imported only here, so a run that writes nothing never loads them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProjectConfig } from '../config/types.js';
import type { WrittenMigration } from '../drizzle/generate/index.js';
import type { ReviewReport } from '../review/types.js';

/** Reviews the migration just written, with the project's rules and `review.appliedBy`. */
export async function reviewNewMigration(project: ProjectConfig, migration: WrittenMigration): Promise<ReviewReport> {
  const [{ reviewMigrations }, { loadSqlParser }, { assertRuleSettings }] = await Promise.all([
    import('../review/engine.js'),
    import('../sql/parser.js'),
    import('./review-select.js'),
  ]);
  const context = migration.earlier ?? (await earlierMigrations(migration));
  assertRuleSettings(project);
  const parser = await loadSqlParser();
  return reviewMigrations(
    {
      migrations: [
        { tag: migration.tag, file: path.relative(project.projectDir, migration.sqlPath) || migration.sqlPath, sql: migration.sql },
      ],
      rules: project.review.rules,
      appliedByDbctl: project.review.appliedBy !== 'drizzle-kit',
      context,
    },
    parser,
  );
}

/** The SQL of the migrations before `migration`, in journal order (missing files are skipped). */
async function earlierMigrations(migration: WrittenMigration): Promise<{ tag: string; sql: string }[]> {
  const journal = JSON.parse(await readFile(migration.journalPath, 'utf8')) as { entries: { tag: string }[] };
  const out = path.dirname(migration.sqlPath);
  const tags = journal.entries.map((entry) => entry.tag).filter((tag) => tag !== migration.tag);
  const texts = await Promise.all(tags.map((tag) => readFile(path.join(out, `${tag}.sql`), 'utf8').catch(() => null)));
  return tags.flatMap((tag, index) => (texts[index] === null || texts[index] === undefined ? [] : [{ tag, sql: texts[index] }]));
}
