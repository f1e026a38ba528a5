// glibc's malloc settings for processes that run SPU threads. Measured on the 2-core VMs (mul 2^20
// FM64 through the cluster threads): glibc returns freed memory to the kernel as soon as its dynamic
// thresholds allow (large chunks are mmapped and unmapped on free; arena tops above a small trim
// threshold are given back), so every fresh 8-24 MiB buffer and every 64 KiB keystream chunk on
// returned memory is a run of first-touch page faults again. The dynamic mmap threshold only rises
// when a large mmapped chunk is freed; before the dealer reused its answers across threads, freeing
// each 24 MiB answer did that as a side effect. Reused answers free nothing large, so without these
// settings the dealer thread took 10,000-11,500 faults and 16-21 ms of system time per op (instead
// of 1,400-3,700 before, and 50-200 with the settings). With them, allocations below 32 MiB come
// from the arenas and freed memory stays mapped (up to 256 MiB at an arena's top).
// glibc reads GLIBC_TUNABLES once, at process start, so launchers set it: the bench re-executes
// itself with it, tools/main.sh exports it, docs/deployment.md shows it for `sfw worker`.
import { readFileSync } from 'node:fs';

/** The GLIBC_TUNABLES value launchers set (when GLIBC_TUNABLES is not set already). */
export const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456';

let started: boolean | undefined;

/**
 * True when this process was started with a fixed glibc mmap threshold (MALLOC_TUNABLES or an
 * operator's own), i.e. freed buffers stay mapped: only then does reusing the dealer's answers across
 * threads save more page faults than it causes (see above). Read from the environment the process
 * was started with (/proc/self/environ, what glibc read), not from a later process.env; false where
 * there is no /proc.
 */
export function startedWithMallocTunables(): boolean {
  if (started === undefined) {
    try {
      const env = readFileSync('/proc/self/environ', 'latin1').split('\u0000');
      started = env.some((kv) => kv.startsWith('GLIBC_TUNABLES=') && /(=|:)glibc\.malloc\.mmap_threshold=/.test(kv));
    } catch {
      started = false;
    }
  }
  return started;
}
