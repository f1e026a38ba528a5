// Entry of a cluster thread when TypeScript must be loaded (the runtime runs from source under vitest,
// or a device module is a .ts file): register tsx's ESM loader in this thread, then import the real
// entry. Production threads start from dist/thread/main.js directly and skip this (~0.3 s).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
