/**
 * What `dbctl push` shows: its `--json` document, and the class tag beside each statement.
 */
import kleur from 'kleur';
import type { StatementClass } from '../core/classify.js';

/** The contract's `dbctl push --json` document. */
export interface PushDocument {
  env: string;
  statements: { sql: string; class: StatementClass }[];
  dataLoss: boolean;
  warnings: string[];
  applied: boolean;
  status: 'ok' | 'refused' | 'nothing-to-push';
}

/** `[destructive]` padded, colored by class when the output has colors. */
export function statementTag(cls: StatementClass, color: boolean): string {
  const label = `[${cls}]`.padEnd(13);
  if (!color) return label;
  return cls === 'destructive' ? kleur.red(label) : cls === 'locking' ? kleur.yellow(label) : kleur.green(label);
}

/** The text view of `dbctl push`: every line is progress the run printed as it went, so nothing more. */
export function renderPush(_document: PushDocument): void {}
