/** dbctl's own version, read from package.json (recorded in history rows and backup manifests). */
import { packageManifest } from './package-files.js';

/** The installed dbctl version. */
export const DBCTL_VERSION: string = String(packageManifest().version);
