/**
 * Text and JSON views of `dbctl status`.
 */
import kleur from 'kleur';
import { summarize, type MigrationStatus, type MigrationState } from '../core/plan.js';
import type { LocalMigration } from '../drizzle/folder.js';

const COLOR: Record<MigrationState, (s: string) => string> = {
  applied: kleur.green,
  pending: kleur.yellow,
  failed: kleur.red,
  modified: kleur.red,
  cosmetic: kleur.green,
};

/** The `--json` document of `dbctl status`. */
export type StatusDocument = ReturnType<typeof statusDocument>;

/** The `--json` document of `dbctl status`; `target` says where the connection went (no password). */
export function statusDocument(env: string, target: string, status: MigrationStatus<LocalMigration>) {
  return {
    env,
    target,
    migrations: status.migrations.map((m) => ({
      tag: m.migration.tag,
      state: m.state,
      when: m.migration.when,
      hash: m.migration.hash,
      outOfOrder: m.outOfOrder,
      lastError: m.lastError,
    })),
    unknown: status.unknown.map((r) => ({ id: r.id, hash: r.hash, createdAt: r.createdAt })),
    summary: summarize(status),
  };
}

/** Human lines for `dbctl status`, from its document. */
export function renderStatus(document: StatusDocument): string[] {
  const lines = [`status of ${document.target}`];
  const width = Math.max(8, ...document.migrations.map((m) => m.tag.length));
  for (const m of document.migrations) {
    const note =
      m.state === 'modified'
        ? 'file changed since it was applied (checksum differs)'
        : m.state === 'cosmetic'
          ? 'applied; the file changed since only in comments or white space (same statements)'
          : m.state === 'failed'
            ? `stopped part-way${m.lastError ? `: ${m.lastError}` : ''}; repair it, then \`dbctl resolve ${m.tag} --applied\` or \`--rolled-back\``
            : m.state === 'pending' && m.outOfOrder
              ? 'out of order: older than an applied migration (merged from another branch); migrate applies it'
              : m.state === 'pending' && m.lastError
                ? `last attempt failed and was rolled back: ${m.lastError}`
                : '';
    lines.push(`  ${COLOR[m.state](m.state.padEnd(8))}  ${m.tag.padEnd(width)}  ${kleur.dim(note)}`.trimEnd());
  }
  for (const row of document.unknown) {
    lines.push(
      `  ${kleur.red('unknown'.padEnd(8))}  ${`(id ${row.id})`.padEnd(width)}  ${kleur.dim(`in the database, not in the folder: hash ${row.hash.slice(0, 12)}…, created_at ${row.createdAt}`)}`,
    );
  }
  if (document.migrations.length === 0 && document.unknown.length === 0) lines.push('  no migrations yet');
  const c = document.summary;
  lines.push(
    `${c.applied} applied, ${c.pending} pending` +
      (c.failed ? `, ${c.failed} failed` : '') +
      (c.modified ? `, ${c.modified} modified` : '') +
      (c.cosmetic ? `, ${c.cosmetic} cosmetic` : '') +
      (c.unknown ? `, ${c.unknown} unknown` : ''),
  );
  if (c.modified || c.unknown) {
    lines.push(
      kleur.dim(
        'modified or unknown migrations stop `dbctl migrate`: restore the applied files from git, or write a new migration instead of editing an applied one',
      ),
    );
  } else if (c.pending && !c.failed) {
    lines.push(kleur.dim('run `dbctl migrate` to apply the pending migrations'));
  }
  return lines;
}
