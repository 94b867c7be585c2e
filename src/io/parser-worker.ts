/**
 * The SQL parser on a worker thread, called synchronously: the parser's API is synchronous, and a
 * run that found its results in the parse cache (`io/parse-cache.ts`) has not loaded the WASM
 * module. When one input is not in the cache after all, this worker loads libpg-query and answers
 * each call while the main thread waits for it (`Atomics.wait`, then `receiveMessageOnPort`), so
 * the answer is the parser's own, only later.
 */
import type { MessagePort } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type { CachedOutcome, ParseCallKind } from './parse-cache.js';

/** The worker's code (a script: libpg-query is CommonJS, resolved by the main thread). */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { port, shared, libPath } = workerData;
let lib;
let ready;
try {
  lib = require(libPath);
  ready = lib.loadModule();
} catch (error) {
  ready = Promise.reject(error);
}
ready.catch(() => {});
const calls = { parse: (s) => lib.parseSync(s), plpgsql: (s) => lib.parsePlPgSQLSync(s), scan: (s) => lib.scanSync(s) };
port.on('message', async ({ kind, input }) => {
  let reply;
  try {
    await ready;
  } catch (error) {
    reply = { fatal: 'the SQL parser (libpg-query) did not load: ' + (error && error.message) };
  }
  if (!reply) {
    try {
      reply = { json: JSON.stringify(calls[kind](input)) };
    } catch (error) {
      reply = { error: { message: error && error.message !== undefined ? String(error.message) : String(error), sqlDetails: error && error.sqlDetails } };
    }
  }
  port.postMessage(reply);
  Atomics.store(shared, 0, 1);
  Atomics.notify(shared, 0);
});
`;

/** A worker that has not answered one call in this long has died (a 1 MB file parses in well under a second). */
const CALL_LIMIT_MS = 120_000;

/** A parser running on a worker thread, called synchronously. */
export interface SyncParserWorker {
  /** Runs `kind` on `input` in the worker and waits for its outcome. */
  call(kind: ParseCallKind, input: string): CachedOutcome;
}

/** Starts the worker (it loads libpg-query's WASM while the first call waits). */
export function startSyncParserWorker(): SyncParserWorker {
  const require = createRequire(import.meta.url);
  // node:worker_threads loads here, on the first miss (a warm run never needs it: ~2 ms saved)
  const { MessageChannel, receiveMessageOnPort, Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  const libPath = require.resolve('libpg-query');
  const shared = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { port: port2, shared, libPath },
    transferList: [port2 as MessagePort],
  });
  worker.unref();
  port1.unref();
  worker.on('error', () => {}); // reported to the waiting call by its time limit
  return {
    call(kind, input) {
      Atomics.store(shared, 0, 0);
      port1.postMessage({ kind, input });
      const deadline = Date.now() + CALL_LIMIT_MS;
      for (;;) {
        const received = receiveMessageOnPort(port1);
        if (received) {
          const reply = received.message as CachedOutcome | { fatal: string };
          if ('fatal' in reply) throw new Error(reply.fatal);
          return reply;
        }
        if (Date.now() > deadline) throw new Error(`the SQL parser's worker thread did not answer within ${CALL_LIMIT_MS / 1000} s`);
        // woken by the worker's notify (the wait's limit only bounds a worker that died)
        Atomics.wait(shared, 0, 0, 1000);
      }
    },
  };
}
