/**
 * Code dbctl runs but does not own may stop the process: a config file when something it needs is
 * missing, drizzle-kit when it cannot read a schema. While such code runs, `process.exit` throws
 * the error given instead, so dbctl reports what happened and keeps its exit codes. The CLI's own
 * exits go through the `process.exit` it kept before any of this (src/cli.ts).
 */

/** Runs `run` with `process.exit(code)` throwing `errorFor(code)`; puts `process.exit` back after. */
export async function whileExitThrows<T>(run: () => Promise<T>, errorFor: (code: unknown) => Error): Promise<T> {
  const exit = process.exit;
  process.exit = ((code?: unknown) => {
    throw errorFor(code);
  }) as typeof process.exit;
  try {
    return await run();
  } finally {
    process.exit = exit;
  }
}
