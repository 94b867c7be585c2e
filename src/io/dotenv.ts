/**
 * The project's `.env`, read as drizzle-kit reads it (`dotenv` from the directory the command runs
 * in): its variables are added to the process environment, and variables already set win.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'dotenv';
import { DbctlError } from '../errors.js';

/**
 * Adds the variables of `<dir>/.env` that `env` does not already have; returns their names.
 * A missing file is nothing to load; an unreadable one is a config error (exit 2).
 */
export function loadDotenv(dir: string, env: NodeJS.ProcessEnv): string[] {
  const file = path.join(dir, '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return [];
    throw new DbctlError('CONFIG_INVALID', `.env could not be read (${code ?? 'error'})`, {
      hint: 'make .env readable, or remove it',
      cause: error,
    });
  }
  const added: string[] = [];
  for (const [name, value] of Object.entries(parse(text))) {
    if (env[name] !== undefined) continue;
    env[name] = value;
    added.push(name);
  }
  return added;
}
