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
    throw new DbctlError('REFUSED', 'not confirmed; nothing was changed', { hint: 'run the command again and answer yes, or pass the flag it names' });
  }
  throw new DbctlError('REFUSED', decision.message, { hint: decision.hint });
}
