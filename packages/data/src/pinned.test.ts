import { closeSync, linkSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError, makeTable, readCsv, writeCsv } from './index.ts';
import { confinePinnedOpens, openPinned, openPinnedSync, pinnedConfinement, readFilePinned, readFilePinnedSync, setBeforeOpenHookForTests, writeFilePinned } from './pinned.ts';

// A data root with a nested directory, and a directory outside it holding a file the worker could
// reach: every escape below aims at `outside/secret.csv`.
let base: string;
let root: string;
let outside: string;
const SECRET = 'k,v\nsecret,1\n';

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'sfw-pinned-')));
  root = join(base, 'root');
  outside = join(base, 'outside');
  mkdirSync(join(root, 'a', 'b'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, 'a', 'b', 't.csv'), 'k,v\nx,2\n');
  writeFileSync(join(outside, 'secret.csv'), SECRET);
  writeFileSync(join(outside, 't.csv'), SECRET);
});

afterEach(() => {
  setBeforeOpenHookForTests(undefined);
  confinePinnedOpens(undefined);
  rmSync(base, { recursive: true, force: true });
});

async function escapeCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    // The file name at most: no directory of the root or of where the link led.
    expect((e as Error).message).not.toContain(base);
    return (e as DataError).code;
  }
}

/** Swaps the real directory root/a/b for a link to `outside` when the open is about to happen. */
function swapOnOpen(): void {
  setBeforeOpenHookForTests(() => {
    renameSync(join(root, 'a', 'b'), join(root, 'a', 'b-moved'));
    symlinkSync(outside, join(root, 'a', 'b'));
  });
}

describe('pinned opens of task files', () => {
  it('reads and writes nested real paths inside the root', async () => {
    const t = await readCsv(join(root, 'a', 'b', 't.csv'));
    expect(t.numRows).toBe(1);
    await writeCsv(join(root, 'a', 'b', 'c', 'out.csv'), makeTable(['k'], { k: ['y'] }));
    expect(readFileSync(join(root, 'a', 'b', 'c', 'out.csv'), 'utf8')).toBe('"k"\n"y"\n');
    // An existing file is replaced whole (emptied after the proof, then written).
    await writeFilePinned(join(root, 'a', 'b', 't.csv'), 'z\n');
    expect(await readFilePinned(join(root, 'a', 'b', 't.csv'), 'utf8')).toBe('z\n');
    expect(readFilePinnedSync(join(root, 'a', 'b', 't.csv')).toString()).toBe('z\n');
    const fd = openPinnedSync(join(root, 'a', 'w.bin'), 'w', { mode: 0o600 });
    closeSync(fd);
    await (await openPinned(join(root, 'a', 'w.bin'), 'r')).close();
  });

  it('refuses a directory link on the path that leads out of the root (planted before the call)', async () => {
    symlinkSync(outside, join(root, 'link'));
    expect(await escapeCode(readCsv(join(root, 'link', 'secret.csv')))).toBe('PATH_ESCAPE');
    expect(await escapeCode(readFilePinned(join(root, 'link', 'secret.csv')))).toBe('PATH_ESCAPE');
    expect(() => openPinnedSync(join(root, 'link', 'secret.csv'), 'r')).toThrow(/not the checked file/);
    // A write through the link does not change the file it leads to.
    expect(await escapeCode(writeCsv(join(root, 'link', 'secret.csv'), makeTable(['k'], { k: ['y'] })))).toBe('PATH_ESCAPE');
    expect(() => openPinnedSync(join(root, 'link', 'secret.csv'), 'w')).toThrow(/not the checked file/);
    expect(readFileSync(join(outside, 'secret.csv'), 'utf8')).toBe(SECRET);
  });

  it('refuses a link as the file itself (O_NOFOLLOW)', async () => {
    symlinkSync(join(outside, 'secret.csv'), join(root, 'a', 'l.csv'));
    expect(await escapeCode(readCsv(join(root, 'a', 'l.csv')))).toBe('PATH_ESCAPE');
    expect(await escapeCode(writeFilePinned(join(root, 'a', 'l.csv'), 'overwritten'))).toBe('PATH_ESCAPE');
    expect(readFileSync(join(outside, 'secret.csv'), 'utf8')).toBe(SECRET);
  });

  it('refuses a link inside the root too: callers pass real paths', async () => {
    symlinkSync(join(root, 'a', 'b'), join(root, 'alias'));
    expect(await escapeCode(readFilePinned(join(root, 'alias', 't.csv')))).toBe('PATH_ESCAPE');
  });

  it('refuses a directory swapped for a link between the check and the open (race)', async () => {
    const path = join(root, 'a', 'b', 't.csv');
    swapOnOpen();
    expect(await escapeCode(readCsv(path))).toBe('PATH_ESCAPE');
    swapBack();
    swapOnOpen();
    expect(() => openPinnedSync(path, 'r')).toThrow(DataError);
    swapBack();
    swapOnOpen();
    // The write opens the file the link leads to but refuses before emptying it.
    expect(await escapeCode(writeCsv(path, makeTable(['k'], { k: ['y'] })))).toBe('PATH_ESCAPE');
    expect(readFileSync(join(outside, 't.csv'), 'utf8')).toBe(SECRET);
    swapBack();
    swapOnOpen();
    expect(() => openPinnedSync(path, 'w')).toThrow(DataError);
    expect(readFileSync(join(outside, 't.csv'), 'utf8')).toBe(SECRET);
  });

  it('passes other open failures through unchanged (a missing file)', async () => {
    await expect(readFilePinned(join(root, 'a', 'missing.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

function swapBack(): void {
  setBeforeOpenHookForTests(undefined);
  rmSync(join(root, 'a', 'b'));
  renameSync(join(root, 'a', 'b-moved'), join(root, 'a', 'b'));
}

describe('a thread confined to its party data root', () => {
  it('refuses any pinned open outside the root, also a path a job built with .. or an absolute one', async () => {
    confinePinnedOpens({ roots: [root] });
    // Inside: as before.
    expect((await readCsv(join(root, 'a', 'b', 't.csv'))).numRows).toBe(1);
    await writeFilePinned(join(root, 'a', 'new.txt'), 'ok');
    // Real paths without any link, so only the confinement can refuse them.
    expect(await escapeCode(readCsv(join(outside, 'secret.csv')))).toBe('PATH_ESCAPE');
    expect(await escapeCode(readFilePinned(join(root, 'a', '..', '..', 'outside', 'secret.csv')))).toBe('PATH_ESCAPE');
    expect(() => openPinnedSync(join(outside, 'secret.csv'), 'r')).toThrow(/outside this party's data root/);
    expect(await escapeCode(writeCsv(join(outside, 'secret.csv'), makeTable(['k'], { k: ['y'] })))).toBe('PATH_ESCAPE');
    expect(await escapeCode(writeFilePinned(join(outside, 'created.txt'), 'x'))).toBe('PATH_ESCAPE');
    // The root itself and a sibling whose name starts like the root are not inside it.
    writeFileSync(`${root}x`, 'sibling');
    expect(await escapeCode(readFilePinned(`${root}x`))).toBe('PATH_ESCAPE');
    expect(await escapeCode(readFilePinned(root))).toBe('PATH_ESCAPE');
    // Refused before the open: nothing created, nothing changed outside.
    expect(readFileSync(join(outside, 'secret.csv'), 'utf8')).toBe(SECRET);
    expect(() => statSync(join(outside, 'created.txt'))).toThrow();
  });

  it('has no root to open from when it holds none (the dealer), and is lifted with undefined', async () => {
    confinePinnedOpens({ roots: [] });
    expect(await escapeCode(readFilePinned(join(root, 'a', 'b', 't.csv')))).toBe('PATH_ESCAPE');
    confinePinnedOpens(undefined);
    expect(pinnedConfinement()).toBeUndefined();
    expect((await readFilePinned(join(outside, 'secret.csv'), 'utf8'))).toBe(SECRET);
  });

  it('is read from a per-thread global, so a copy of this module loaded beside it is confined too', () => {
    (globalThis as Record<symbol, unknown>)[Symbol.for('sfw.data.pinnedConfinement')] = { roots: [root] };
    expect(pinnedConfinement()?.roots).toEqual([root]);
    expect(() => readFilePinnedSync(join(outside, 'secret.csv'))).toThrow(DataError);
  });
});

describe('hard links to files outside the root', () => {
  it('never writes through a file that has another hard link', async () => {
    const linked = join(root, 'a', 'linked.csv');
    linkSync(join(outside, 'secret.csv'), linked);
    expect(await escapeCode(writeFilePinned(linked, 'overwritten'))).toBe('PATH_ESCAPE');
    expect(await escapeCode(writeCsv(linked, makeTable(['k'], { k: ['y'] })))).toBe('PATH_ESCAPE');
    expect(() => openPinnedSync(linked, 'w')).toThrow(/other hard links/);
    expect(readFileSync(join(outside, 'secret.csv'), 'utf8')).toBe(SECRET);
  });

  it('reads one unless the confinement refuses hard-linked reads', async () => {
    const linked = join(root, 'a', 'linked.csv');
    linkSync(join(outside, 'secret.csv'), linked);
    confinePinnedOpens({ roots: [root] });
    expect(await readFilePinned(linked, 'utf8')).toBe(SECRET);
    confinePinnedOpens({ roots: [root], refuseHardLinkedReads: true });
    expect(await escapeCode(readCsv(linked))).toBe('PATH_ESCAPE');
    expect(() => readFilePinnedSync(linked)).toThrow(/more than one hard link/);
    // A file with one link is read as before.
    expect((await readCsv(join(root, 'a', 'b', 't.csv'))).numRows).toBe(1);
  });
});
