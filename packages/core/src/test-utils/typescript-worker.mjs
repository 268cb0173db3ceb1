// The entry of a worker thread started from core's TypeScript sources (the workspace's tests and tsx
// scripts; see kernels/matmul-threads.ts): Node 20 does not pass the caller's TypeScript loader on to
// worker threads, so this plain JavaScript file imports the worker's .ts entry (workerData.entry)
// through tsx's API. Published code never comes here: it runs dist/kernels/matmul-worker.js.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
