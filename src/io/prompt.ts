/**
 * Interactive confirmation, only ever called in an interactive run (stdin a TTY, CI unset).
 */
import { DbctlError } from '../errors.js';
import type { GuardDecision } from '../core/guards.js';

/** Asks a yes/no question on the terminal; Ctrl-C or no answer counts as no. */
export async function confirm(question: string): Promise<boolean> {
  const { default: prompts } = await import('prompts');
  const answer = await prompts({ type: 'confirm', name: 'ok', message: question, initial: false }, { onCancel: () => true });
  return answer.ok === true;
}

/** Carries out a guard's decision: returns when allowed, throws REFUSED (exit 3) otherwise. */
export async function enforce(decision: GuardDecision): Promise<void> {
  if (decision.action === 'allow') return;
  if (decision.action === 'confirm') {
    if (await confirm(decision.question)) return;
    throw new DbctlError('REFUSED', 'not confirmed; nothing was changed', {
      hint: 'run the command again and answer yes, or pass the flag it names',
    });
  }
  throw new DbctlError('REFUSED', decision.message, { hint: decision.hint });
}

/**
 * drizzle-kit's rename picker: "is `created` new, or renamed from one of `candidates`?". Resolves to
 * the candidate chosen or null for new; Ctrl-C stops the command with nothing written (exit 2).
 */
export async function askRename(question: { kind: string; created: string; candidates: string[] }): Promise<string | null> {
  const { default: prompts } = await import('prompts');
  let cancelled = false;
  const { kind, created, candidates } = question;
  const answer = await prompts(
    {
      type: 'select',
      name: 'from',
      message: renameQuestion(kind, created),
      choices: [
        { title: `+ ${created}  create ${kind}`, value: '' },
        ...candidates.map((candidate) => ({ title: `~ ${candidate} › ${created}  rename ${kind}`, value: candidate })),
      ],
      initial: 0,
    },
    { onCancel: () => ((cancelled = true), false) },
  );
  if (cancelled || answer.from === undefined) {
    throw new DbctlError('AMBIGUOUS_RENAME', `the question about ${kind} ${created} was not answered; nothing was written`, {
      hint: 'run dbctl generate again and answer it, or pass --rename FROM=TO / --create NAME',
    });
  }
  return answer.from === '' ? null : (answer.from as string);
}

/** drizzle-kit's wording: "Is full_name column in users table created or renamed from another column?". */
function renameQuestion(kind: string, created: string): string {
  const parts = created.split('.');
  if ((kind === 'column' || kind === 'policy') && parts.length >= 2) {
    return `Is ${parts.at(-1)} ${kind} in ${parts.at(-2)} table created or renamed from another ${kind}?`;
  }
  return `Is ${parts.at(-1)} ${kind} created or renamed from another ${kind}?`;
}
