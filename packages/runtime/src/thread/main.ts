// ESM entry of a cluster thread: runs from the sources (tests, through the TypeScript bootstrap) and
// from dist when the bundle is missing. Built clusters start from start.cjs instead.
import { workerData } from 'node:worker_threads';
import type { ThreadInit } from '../protocol.ts';
import { startThread } from './run.ts';

await startThread(workerData as ThreadInit);
