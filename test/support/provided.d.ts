import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser url of the test server; each test file creates its own database from it. */
    adminUrl: string;
  }
}
