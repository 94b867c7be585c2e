/**
 * Counting rows in COPY text: every row ends with exactly one newline (newlines inside values are
 * escaped as `\n`).
 */

/** Counts `\n` bytes in a buffer. */
export function countNewlines(chunk: Buffer): number {
  let count = 0;
  let at = chunk.indexOf(10);
  while (at !== -1) {
    count++;
    at = chunk.indexOf(10, at + 1);
  }
  return count;
}
