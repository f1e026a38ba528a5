'use strict';
// Entry of a built cluster thread. The main thread sends the thread bundle's source (a CommonJS
// function, see scripts/bundle-thread.mjs) and, when it has one, V8's code cache for it; compiling
// from the cache skips parsing and compiling the ~190 KB bundle in every thread, and a CommonJS entry
// spares each thread Node's ESM loader (about a tenth of an empty thread's start-up each).
// A thread that had no usable cache sends one back once it is up, for the next threads of the process.
const { parentPort, workerData } = require('node:worker_threads');
const { Script } = require('node:vm');
const { dirname } = require('node:path');

const { code, ...init } = workerData;
const { source, cache, filename, url } = code;
const script = new Script(source, { filename, ...(cache ? { cachedData: cache } : {}) });
const module_ = { exports: {} };
script.runInThisContext()(module_.exports, require, module_, filename, dirname(filename), url);
const produce = !cache || script.cachedDataRejected === true;
// Job modules and a custom SPU backend are imported from here: code compiled by vm.Script has no
// module loader behind its own import().
module_.exports.startThread(init, (url) => import(url)).then(() => {
  // After start-up, so the cache also holds the functions the start compiled lazily.
  if (produce) parentPort.postMessage({ type: 'codeCache', filename, data: script.createCachedData() });
});
