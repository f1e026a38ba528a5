// The commit of a task's outputs is a sequence of renames: a crash in the middle of it would leave
// some outputs of the task at their final paths and others still staged. Before the first rename
// the commit writes a journal (every staged path and its final path) and removes it after the last;
// a worker that starts again finds the journals of commits that did not finish and completes them.
// Rolling forward is the right direction: a commit starts only after the whole job succeeded, so
// every staged output is complete; rolling back would need the files the commit replaced.
import { constants } from 'node:fs';
import { lstat, open, readdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from '@sfw/log';
import { isWithin } from './files.ts';

/** One output of a commit: the staged path, its final path, and where an old directory is moved aside. */
export interface JournalEntry {
  readonly temp: string;
  readonly final: string;
  readonly dir: boolean;
  readonly old: string;
  /** The data root the output lies in: recovery renames only inside it, through no link. */
  readonly root?: string;
}

interface Journal {
  readonly tag: string;
  readonly host: string;
  readonly pid: number;
  readonly entries: readonly JournalEntry[];
}

/** What recovery did with one journal left by a commit that did not finish. */
export interface RecoveredCommit {
  readonly journal: string;
  readonly tag: string;
  /**
   * `rolled-forward`: every output is now at its final path; `skipped`: the journal belongs to a
   * live process or another host; `failed`: a rename failed (journal kept, the error logged).
   */
  readonly outcome: 'rolled-forward' | 'skipped' | 'unreadable' | 'failed';
  /** Outputs that recovery moved into place (the rest had been moved before the crash). */
  readonly moved: number;
}

/** Whether a path exists (any kind of entry). */
export const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

/**
 * Flushes a directory's entries (the names a rename created or removed) to the disk. A rename is
 * atomic for other processes at once, but survives a power loss only once its directory is flushed.
 * Where the platform cannot open or flush a directory (EISDIR, EINVAL, EPERM on some file systems)
 * this is a no-op: the renames are still atomic, only not durable against a power loss.
 */
export async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw err;
  } finally {
    await fh?.close();
  }
}

/**
 * Flushes a written file's contents (regular files only; a directory is walked one file at a time).
 * Links are not followed and nothing but a regular file is opened (a FIFO planted in a staged
 * directory would block the open, and with it the commit).
 */
export async function syncTree(path: string): Promise<void> {
  const st = await lstat(path);
  if (st.isFile()) {
    const fh = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    return;
  }
  if (!st.isDirectory()) return;
  for (const name of await readdir(path)) await syncTree(join(path, name));
  await syncDir(path);
}

/** Writes the journal (durably: written, flushed, renamed into place, directory flushed) and returns its path. */
export async function writeJournal(dir: string, tag: string, entries: readonly JournalEntry[]): Promise<string> {
  const path = join(dir, `${tag.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64)}-${randomBytes(4).toString('hex')}.commit.json`);
  const body: Journal = { tag, host: hostname(), pid: process.pid, entries };
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(JSON.stringify(body));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await syncDir(dir);
  return path;
}

/**
 * Moves one output into place; idempotent, so recovery can run it again after a crash at any point:
 * a staged path that is gone was moved already, an old directory left aside is removed.
 * Returns whether it moved anything.
 */
export async function applyEntry(e: JournalEntry): Promise<boolean> {
  if (!(await exists(e.temp))) {
    if (e.dir) await rm(e.old, { recursive: true, force: true });
    return false;
  }
  if (!e.dir) {
    await rename(e.temp, e.final);
    return true;
  }
  // A directory cannot be renamed over a non-empty one: the old one goes aside first (unless a
  // crash left it aside already), then the new one comes in, then the old one is removed.
  if ((await exists(e.final)) && !(await exists(e.old))) await rename(e.final, e.old);
  try {
    await rename(e.temp, e.final);
  } catch (err) {
    if ((await exists(e.old)) && !(await exists(e.final))) await rename(e.old, e.final).catch(() => undefined);
    throw err;
  }
  await rm(e.old, { recursive: true, force: true });
  return true;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return false; // this process has committed nothing before recovery ran
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Completes the commits whose journals are in `dir` (a worker calls it when it starts, before it
 * takes tasks). Journals of a live process on this host, or of another host, are left alone.
 */
export async function recoverCommits(dir: string, log?: Logger): Promise<RecoveredCommit[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: RecoveredCommit[] = [];
  for (const name of names.filter((n) => n.endsWith('.commit.json')).sort()) {
    const path = join(dir, name);
    let j: Journal;
    try {
      j = JSON.parse(await readFile(path, 'utf8')) as Journal;
      if (!Array.isArray(j.entries)) throw new Error('no entries');
    } catch {
      log?.error({ journal: path }, 'unreadable commit journal: left in place, outputs not checked');
      out.push({ journal: path, tag: '', outcome: 'unreadable', moved: 0 });
      continue;
    }
    if (j.host !== hostname() || alive(j.pid)) {
      out.push({ journal: path, tag: j.tag, outcome: 'skipped', moved: 0 });
      continue;
    }
    let moved = 0;
    try {
      for (const e of j.entries) {
        // The output's directory is still inside its root and reached through no link (staging
        // checked it before the crash; a link swapped in since would redirect these renames).
        const dir = dirname(e.final);
        if ((await realpath(dir)) !== dir || (e.root !== undefined && !isWithin(dir, e.root))) {
          throw Object.assign(new Error('an output directory is no longer the checked directory in the data root'), { code: 'PATH_ESCAPE' });
        }
        if (await applyEntry(e)) moved += 1;
      }
    } catch (err) {
      log?.error({ task_request_id: j.tag, journal: path, errCode: (err as NodeJS.ErrnoException).code }, 'an interrupted output commit could not be completed');
      out.push({ journal: path, tag: j.tag, outcome: 'failed', moved });
      continue;
    }
    for (const d of new Set(j.entries.map((e) => dirname(e.final)))) await syncDir(d);
    await rm(path, { force: true });
    log?.warn({ task_request_id: j.tag, outputs: j.entries.length, moved }, 'an interrupted output commit was completed');
    out.push({ journal: path, tag: j.tag, outcome: 'rolled-forward', moved });
  }
  // Journals half-written when the crash came (never renamed into place) describe no rename yet.
  for (const name of names.filter((n) => n.endsWith('.commit.json.tmp'))) await rm(join(dir, name), { force: true });
  return out;
}

/** The journal directory under a worker's work directory. */
export const journalDirOf = (workRoot: string): string => join(workRoot, 'commits');
