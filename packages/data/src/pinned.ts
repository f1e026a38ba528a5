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
//
// A thread that opens files for one party (the runtime's party and SPU rank threads) is confined
// besides (`confinePinnedOpens`): every pinned open there must lie strictly inside that party's data
// root, checked on the normalised path right before the open, so a path that a job rewrote or built
// itself (`join(dir, '../..')`) cannot leave the root even though the executor never saw it. With
// the proof above (the path is its own real path), lexical containment in a real root is containment
// on disk. Hard links are not links on the path: a write never goes through a file that has other
// links (its data would change under every name), and a confined thread can refuse to read one too.
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { open, readlink, realpath, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
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

/** Where the pinned opens of this thread may lead (see `confinePinnedOpens`). */
export interface PinnedConfinement {
  /**
   * Real paths (no symbolic link on them) of the directories every pinned open must lie strictly
   * inside: the party's data root (and an output root, if the operator keeps one apart). Empty:
   * every pinned open is refused (a thread that has no files, such as the SPU dealer).
   */
  readonly roots: readonly string[];
  /** Refuse to read a file that has more than one hard link (`st_nlink > 1`). Writes always refuse them. */
  readonly refuseHardLinkedReads?: boolean;
}

// A per-thread global (each worker thread has its own globalThis), under a registered symbol so that
// the runtime can confine a thread without importing this package, and every copy of this module
// loaded in the thread (a bundle and a job imported by URL) reads the same setting.
const CONFINEMENT = Symbol.for('sfw.data.pinnedConfinement');
type WithConfinement = { [CONFINEMENT]?: PinnedConfinement | undefined };

/**
 * Confines every pinned open of the calling thread (`openPinned`, the CSV reader and writer, ...) to
 * `c.roots`; `undefined` lifts it. The roots must be real paths: the worker resolves the operator's
 * roots once with realpath, so a root may itself be reached through a link (`/var` on macOS).
 */
export function confinePinnedOpens(c: PinnedConfinement | undefined): void {
  (globalThis as WithConfinement)[CONFINEMENT] = c === undefined ? undefined : { roots: c.roots.map((r) => resolve(r)), refuseHardLinkedReads: c.refuseHardLinkedReads === true };
}

/** The calling thread's confinement, if any. */
export function pinnedConfinement(): PinnedConfinement | undefined {
  return (globalThis as WithConfinement)[CONFINEMENT];
}

/** `p` lies strictly below `root` (both absolute and normalised). */
function strictlyInside(p: string, root: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && !isAbsolute(rel) && rel.split(sep)[0] !== '..';
}

function confine(path: string, want: string): void {
  const c = pinnedConfinement();
  if (c !== undefined && !c.roots.some((r) => strictlyInside(want, r))) {
    throw new DataError('PATH_ESCAPE', `${basename(path)}: the path lies outside this party's data root`);
  }
}

/** After the open: a write never goes through another hard link; a confined read may refuse them. */
function linkProblem(path: string, mode: PinnedMode, nlink: number): DataError | undefined {
  if (nlink <= 1) return undefined;
  if (mode === 'w') return new DataError('PATH_ESCAPE', `${basename(path)}: the file has other hard links; it is not written through them`);
  if (pinnedConfinement()?.refuseHardLinkedReads === true) return new DataError('PATH_ESCAPE', `${basename(path)}: the file has more than one hard link (refused by the worker's settings)`);
  return undefined;
}

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
  confine(path, want);
  beforeOpen?.(want);
  let fh: FileHandle;
  try {
    fh = await open(want, FLAGS[mode], opts.mode ?? 0o666);
  } catch (e) {
    throw unopenable(path, e);
  }
  try {
    if (!(await proven(fh.fd, want))) throw escaped(path);
    const links = linkProblem(path, mode, (await fh.stat()).nlink);
    if (links !== undefined) throw links;
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
  confine(path, want);
  beforeOpen?.(want);
  let fd: number;
  try {
    fd = openSync(want, FLAGS[mode], opts.mode ?? 0o666);
  } catch (e) {
    throw unopenable(path, e);
  }
  try {
    if (!provenSync(fd, want)) throw escaped(path);
    const links = linkProblem(path, mode, fstatSync(fd).nlink);
    if (links !== undefined) throw links;
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
