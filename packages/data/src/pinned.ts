// Opening a party's file so that what was opened is proven to be the file the executor checked.
//
// The executor resolves every path a task names to a real path inside the party's data root before
// any thread runs (docs/executor.md, "Files"): no symbolic link is left on it. Between that check
// and the open, whoever can write inside the root can swap a directory on the path for a link that
// leads out of it. Node has no openat/O_BENEATH to pin the root, so every open of a task file goes
// through this module, which proves after the open that the descriptor is the file at the checked
// path, reached through no link:
// - the last component is opened with O_NOFOLLOW (a link there fails the open itself);
// - on Linux the kernel's name of the descriptor (/proc/self/fd/<fd>, links resolved) must equal the
//   path asked for; elsewhere the path must still be its own real path and name the same device and
//   inode as the descriptor (a link swapped in and out again leaves a different inode).
// A path that was real and inside the root at the check and still names the opened file through no
// link now is inside the root. Writes open without truncating and truncate only after the proof, so
// a race can at worst leave an empty new file where the link led, never change an existing one.
// Callers must pass real paths (the executor's resolved ones, or a trusted path without links): a
// path through a link is refused like a swapped one.
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { open, readlink, realpath, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { DataError } from './table.ts';

/** `r`: read only; `w`: write only, created if missing, emptied once proven. */
export type PinnedMode = 'r' | 'w';

export interface PinnedOpenOptions {
  /** File mode of a file the open creates (default 0o666 before the umask). */
  readonly mode?: number;
}

// O_NOFOLLOW is 0 where the platform has none (Windows): the after-open proof still holds.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const FLAGS: Record<PinnedMode, number> = {
  r: constants.O_RDONLY | NOFOLLOW,
  w: constants.O_WRONLY | constants.O_CREAT | NOFOLLOW,
};
const PROC_FD = process.platform === 'linux';

let beforeOpen: ((path: string) => void) | undefined;

/**
 * Test hook: runs between the caller's check and the open (a test swaps a directory for a link
 * there to act out the race). Not exported from the package.
 */
export function setBeforeOpenHookForTests(hook: ((path: string) => void) | undefined): void {
  beforeOpen = hook;
}

function escaped(path: string, cause?: unknown): DataError {
  // The file name only, as the CSV reader's messages: the rest of the path is the operator's root.
  return new DataError('PATH_ESCAPE', `${basename(path)}: the file opened is not the checked file in the data root (a symbolic link on its path)`, cause === undefined ? undefined : { cause });
}

/** ELOOP (O_NOFOLLOW met a link at the last component) is the race or a planted link; other open errors pass unchanged. */
function unopenable(path: string, cause: unknown): unknown {
  const code = (cause as NodeJS.ErrnoException).code;
  return code === 'ELOOP' || code === 'EMLINK' ? escaped(path, cause) : cause;
}

function sameFile(a: { dev: number | bigint; ino: number | bigint }, b: { dev: number | bigint; ino: number | bigint }): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

async function proven(fd: number, want: string): Promise<boolean> {
  if (PROC_FD) {
    try {
      return (await readlink(`/proc/self/fd/${fd}`)) === want;
    } catch {
      // /proc not mounted (a minimal container): the portable proof below.
    }
  }
  try {
    if ((await realpath(want)) !== want) return false;
    return sameFile(fstatSync(fd), await stat(want));
  } catch {
    return false;
  }
}

function provenSync(fd: number, want: string): boolean {
  if (PROC_FD) {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === want;
    } catch {
      // as in proven()
    }
  }
  try {
    if (realpathSync(want) !== want) return false;
    return sameFile(fstatSync(fd), statSync(want));
  } catch {
    return false;
  }
}

/**
 * Opens a task file and proves it is the file at `path` reached through no symbolic link (see the
 * module comment); `w` empties the file after the proof. Throws `DataError` `PATH_ESCAPE` otherwise
 * (naming the file name only); other open failures (a missing file) are the file system's errors.
 */
export async function openPinned(path: string, mode: PinnedMode, opts: PinnedOpenOptions = {}): Promise<FileHandle> {
  const want = resolve(path);
  beforeOpen?.(want);
  let fh: FileHandle;
  try {
    fh = await open(want, FLAGS[mode], opts.mode ?? 0o666);
  } catch (e) {
    throw unopenable(path, e);
  }
  try {
    if (!(await proven(fh.fd, want))) throw escaped(path);
    if (mode === 'w') await fh.truncate(0);
    return fh;
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}

/** `openPinned` for synchronous writers and readers: a file descriptor the caller closes. */
export function openPinnedSync(path: string, mode: PinnedMode, opts: PinnedOpenOptions = {}): number {
  const want = resolve(path);
  beforeOpen?.(want);
  let fd: number;
  try {
    fd = openSync(want, FLAGS[mode], opts.mode ?? 0o666);
  } catch (e) {
    throw unopenable(path, e);
  }
  try {
    if (!provenSync(fd, want)) throw escaped(path);
    if (mode === 'w') ftruncateSync(fd, 0);
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Reads a whole task file through `openPinned`. */
export async function readFilePinned(path: string): Promise<Buffer>;
export async function readFilePinned(path: string, encoding: 'utf8'): Promise<string>;
export async function readFilePinned(path: string, encoding?: 'utf8'): Promise<Buffer | string> {
  const fh = await openPinned(path, 'r');
  try {
    return encoding === undefined ? await fh.readFile() : await fh.readFile(encoding);
  } finally {
    await fh.close();
  }
}

/** Reads a whole task file through `openPinnedSync`. */
export function readFilePinnedSync(path: string): Buffer {
  const fd = openPinnedSync(path, 'r');
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes a whole task file (created or replaced in place) through `openPinned`. */
export async function writeFilePinned(path: string, data: string | Uint8Array, opts: PinnedOpenOptions = {}): Promise<void> {
  const fh = await openPinned(path, 'w', opts);
  try {
    await fh.writeFile(data);
  } finally {
    await fh.close();
  }
}
