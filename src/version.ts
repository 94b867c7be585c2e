/** dbctl's own version, read from package.json (recorded in history rows and backup manifests). */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The installed dbctl version. */
export const DBCTL_VERSION: string = (require('../package.json') as { version: string }).version;
