/**
 * Production guards as pure decisions: given the environment's protection and the run's flags,
 * allow, ask, or refuse with the reason and the flag that would allow it. Commands act on the
 * decision; nothing here prompts or exits.
 */

/** What a guard decided. `confirm` only ever comes back for an interactive run. */
export type GuardDecision =
  { action: 'allow' } | { action: 'confirm'; question: string } | { action: 'refuse'; message: string; hint: string };

/** Facts about the run every guard needs. */
export interface RunFacts {
  envName: string;
  protected: boolean;
  protectionReasons: readonly string[];
  /** Prompts may be shown (stdin is a TTY and CI is not set). */
  interactive: boolean;
  /** `--yes`: answers an interactive prompt. */
  yes: boolean;
}

function why(run: RunFacts): string {
  return run.protectionReasons.length ? ` (${run.protectionReasons.join('; ')})` : '';
}

/**
 * `dbctl push` on a protected environment is refused whatever the flags: schema changes reach
 * production through reviewed migrations only.
 */
export function guardPush(run: RunFacts): GuardDecision {
  if (!run.protected) return { action: 'allow' };
  return {
    action: 'refuse',
    message: `push is refused on the protected environment "${run.envName}"${why(run)}; no statement was run`,
    hint: 'generate a migration (`dbctl generate`), review it, and apply it with `dbctl migrate --env ' + run.envName + '`',
  };
}

/** Data loss in a push to an unprotected environment: confirm interactively, else needs `--force`. */
export function guardPushDataLoss(run: RunFacts, input: { dataLoss: boolean; force: boolean }): GuardDecision {
  if (!input.dataLoss || input.force) return { action: 'allow' };
  if (run.interactive)
    return run.yes
      ? { action: 'allow' }
      : { action: 'confirm', question: `Apply these changes to "${run.envName}" and lose the data listed above?` };
  return {
    action: 'refuse',
    message: `the push to "${run.envName}" would lose data and this run cannot ask for confirmation`,
    hint: 'review the statements above and pass --force to apply them anyway',
  };
}

/**
 * Destructive migrations on a protected environment need `--allow-destructive` or an
 * interactive confirmation; `--no-backup` is refused there.
 */
export function guardDestructiveMigrations(
  run: RunFacts,
  input: { destructive: readonly { tag: string; objects: readonly string[] }[]; allowDestructive: boolean; backup: boolean },
): GuardDecision {
  if (!run.protected) return { action: 'allow' };
  if (!input.backup) {
    return {
      action: 'refuse',
      message: `--no-backup is refused on the protected environment "${run.envName}"${why(run)}`,
      hint: 'run without --no-backup: dbctl backs up only the data a destructive migration would destroy',
    };
  }
  if (input.destructive.length === 0 || input.allowDestructive) return { action: 'allow' };
  const list = input.destructive.map((d) => `${d.tag} (${d.objects.join(', ')})`).join('; ');
  if (run.interactive) {
    return run.yes
      ? { action: 'allow' }
      : {
          action: 'confirm',
          question: `Apply destructive migrations to the protected environment "${run.envName}": ${list}? A backup is taken first.`,
        };
  }
  return {
    action: 'refuse',
    message: `destructive migrations on the protected environment "${run.envName}" need confirmation: ${list}`,
    hint: 'pass --allow-destructive to apply them (a backup of the destroyed data is taken first), or run `dbctl migrate --dry-run` to review',
  };
}

/** Restoring into a protected environment needs `--yes`/a confirmation when interactive, `--allow-restore` when not. */
export function guardRestore(run: RunFacts, input: { allowRestore: boolean; what: string }): GuardDecision {
  if (!run.protected || input.allowRestore) return { action: 'allow' };
  if (run.interactive)
    return run.yes
      ? { action: 'allow' }
      : { action: 'confirm', question: `Restore ${input.what} into the protected environment "${run.envName}"?` };
  return {
    action: 'refuse',
    message: `restore into the protected environment "${run.envName}"${why(run)} needs confirmation`,
    hint: 'pass --allow-restore to restore in a non-interactive run',
  };
}
