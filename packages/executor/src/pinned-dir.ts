// Output directories pinned by a descriptor, from staging to the commit's renames.
//
// Staging creates an output's parent directories and the commit renames the staged output into
// place. Both used to go by path: whoever can write inside the data root could swap a directory on
// that path for a symbolic link in between, and the commit's rename would then put the task's output
// (over a file of that name) wherever the link led. Here the parent directory is reached from the
// root one component at a time, each opened with O_DIRECTORY|O_NOFOLLOW (a link there fails the
// open) and created when missing; the descriptor is kept. On Linux every later step (mkdir of the
// next component, the commit's renames, the flush) names entries through `/proc/self/fd/<fd>/<name>`,
// which the kernel resolves to the pinned directory itself, like openat/renameat: a link swapped in
// on the path is never followed. Just before the commit the directory must still be at its path,
// reached through no link, inside the root, with the pinned device and inode; otherwise the commit is
// refused (PATH_ESCAPE). Without /proc the same steps go by path and the proof before the commit is
// what refuses a swap (a window remains between that proof and the rename: docs/security.md).
import { constants } from 'node:fs';
import { mkdir, open, readlink, realpath, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { isWithin } from './files.ts';

const DIR_FLAGS = constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | (constants.O_NOFOLLOW ?? 0);
const LINUX = process.platform === 'linux';

/** An escape refused at staging or at the commit; `code` as `@sfw/data`'s DataError. */
export class PathEscapeError extends Error {
  override readonly name = 'PathEscapeError';
  readonly code = 'PATH_ESCAPE';
  constructor(dir: string, cause?: unknown) {
    // The directory's name only: the rest of the path is the operator's root.
    super(`${basename(dir)}: the output directory is not the checked directory in the data root (a symbolic link on its path)`, cause === undefined ? undefined : { cause });
  }
}

export interface PinnedDir {
  /** Real path of the directory (inside `root`). */
  readonly dir: string;
  readonly root: string;
  readonly fh: FileHandle;
  readonly dev: number;
  readonly ino: number;
  /** `name` inside the pinned directory: through its descriptor where the platform allows. */
  at(name: string): string;
}

let procUsable: boolean | undefined;

async function viaProc(fh: FileHandle, want: string): Promise<boolean> {
  if (!LINUX || procUsable === false) return false;
  try {
    const named = await readlink(`/proc/self/fd/${fh.fd}`);
    procUsable = true;
    return named === want;
  } catch {
    procUsable = false; // /proc not mounted (a minimal container): go by path
    return false;
  }
}

/** The descriptor is the directory at `want`, reached through no link. */
async function proven(fh: FileHandle, want: string): Promise<boolean> {
  if (await viaProc(fh, want)) return true;
  if (procUsable === true) return false;
  try {
    if ((await realpath(want)) !== want) return false;
    const [a, b] = [await fh.stat(), await stat(want)];
    return a.isDirectory() && a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  }
}

function escapes(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ELOOP' || code === 'ENOTDIR' || code === 'EMLINK';
}

/**
 * Opens (creating what is missing) the directory `dir` below `root`, one component at a time without
 * following a link; `created` receives each directory it made, outermost first. Throws
 * PathEscapeError when a component is a link or the result is not at `dir` inside `root`.
 */
export async function pinDirectory(root: string, dir: string, created: string[]): Promise<PinnedDir> {
  if (!isWithin(dir, root)) throw new PathEscapeError(dir);
  let cur = root;
  let fh: FileHandle;
  try {
    fh = await open(root, DIR_FLAGS);
  } catch (err) {
    throw escapes(err) ? new PathEscapeError(dir, err) : err;
  }
  try {
    if (!(await proven(fh, root))) throw new PathEscapeError(dir);
    const through = (h: FileHandle, name: string): string => (procUsable === true ? `/proc/self/fd/${h.fd}/${name}` : join(cur, name));
    for (const name of relative(root, dir).split(sep).filter((s) => s !== '')) {
      const p = through(fh, name);
      let next: FileHandle;
      try {
        next = await open(p, DIR_FLAGS);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw escapes(err) ? new PathEscapeError(dir, err) : err;
        try {
          await mkdir(p);
          created.push(join(cur, name));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // made by someone else meanwhile: opened below
        }
        try {
          next = await open(p, DIR_FLAGS);
        } catch (e) {
          throw escapes(e) ? new PathEscapeError(dir, e) : e;
        }
      }
      await fh.close();
      fh = next;
      cur = join(cur, name);
    }
    if (!(await proven(fh, dir))) throw new PathEscapeError(dir);
    const st = await fh.stat();
    const pinned = fh;
    return { dir, root, fh: pinned, dev: st.dev, ino: st.ino, at: (name) => (procUsable === true ? `/proc/self/fd/${pinned.fd}/${name}` : join(dir, name)) };
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Just before the commit: the pinned directory is still the one at its path, reached through no
 * link, inside its root (device and inode as pinned). Throws PathEscapeError otherwise.
 */
export async function recheckDirectory(p: PinnedDir): Promise<void> {
  try {
    if (!isWithin(p.dir, p.root) || (await realpath(p.dir)) !== p.dir) throw new PathEscapeError(p.dir);
    const st = await stat(p.dir);
    if (st.dev !== p.dev || st.ino !== p.ino || !(await proven(p.fh, p.dir))) throw new PathEscapeError(p.dir);
  } catch (err) {
    throw err instanceof PathEscapeError ? err : new PathEscapeError(p.dir, err);
  }
}
