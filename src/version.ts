/** dbctl's own version, read from package.json (recorded in history rows and backup manifests). */
import { readFileSync } from 'node:fs';
import { packageFile } from './package-files.js';

/** The installed dbctl version. */
export const DBCTL_VERSION: string = (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
