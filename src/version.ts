/** dbctl's own version, read from package.json (recorded in history rows and backup manifests). */
import { packageManifest } from './package-files.js';

/** Set by the CLI bundle (scripts/bundle.mjs) to package.json's version, so a run need not read it. */
declare const __DBCTL_BUNDLED_VERSION__: string | undefined;

/** The installed dbctl version. */
export const DBCTL_VERSION: string =
  typeof __DBCTL_BUNDLED_VERSION__ === 'string' ? __DBCTL_BUNDLED_VERSION__ : String(packageManifest().version);
