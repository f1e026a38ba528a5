// Test-only device module: grows the JS heap of a party thread by a bounded amount (not shipped:
// __tests__ is not built). Under a small `resourceLimits` the thread is ended part-way.
import { defineDeviceModule } from '@sfw/runtime/device';
import type { PyuContext } from '@sfw/runtime/device';

/** Keeps about `mb` MB of small heap objects alive at once, then returns how many it made. */
function grow(_ctx: PyuContext, mb: number): number {
  const keep: Array<Array<{ i: number }>> = [];
  // ~32 bytes per object and slot: 32768 objects per MB.
  for (let m = 0; m < mb; m++) keep.push(Array.from({ length: 32_768 }, (_, i) => ({ i })));
  return keep.reduce((n, a) => n + a.length, 0);
}

export default defineDeviceModule('hog', { pyu: { grow } });
