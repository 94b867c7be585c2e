/**
 * A full disk for tests: a 256 kB tmpfs mounted on a directory for the length of one callback.
 * Mounting needs root and mount permission; where it is not allowed the callback is not run.
 */
import { execFileSync } from 'node:child_process';

/** Runs `run` with a 256 kB tmpfs on `mountPoint`, then unmounts it; false (nothing run) when it cannot mount. */
export async function onTinyDisk(mountPoint: string, run: () => Promise<void>): Promise<boolean> {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint], { stdio: 'ignore' });
  } catch {
    return false;
  }
  try {
    await run();
  } finally {
    execFileSync('umount', [mountPoint], { stdio: 'ignore' });
  }
  return true;
}
