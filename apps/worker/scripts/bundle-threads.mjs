#!/usr/bin/env node
// The worker's cluster thread bundle: the runtime's thread code with the device module of every job
// package this worker serves (jobs.ts) linked in, compiled with V8's code cache at build time
// (@sfw/runtime scripts/bundle-thread.mjs). Loading those modules as separate ES module files in
// every party and SPU thread cost about a second of CPU per cluster start; linked in, a thread
// evaluates a job's module only when one of its functions is first called there.
import { fileURLToPath } from 'node:url';

const { registerJobs } = await import('../dist/jobs.js');
const modules = registerJobs().registry.deviceModules();
// The runtime's build script, next to its dist (this is a build step, not a run-time import).
const runtimeIndex = import.meta.resolve('@sfw/runtime');
const { bundleThread } = await import(new URL('../scripts/bundle-thread.mjs', runtimeIndex).href);
await bundleThread({ outfile: fileURLToPath(new URL('../dist/thread/bundle.cjs', import.meta.url)), modules });
