// Staging and the commit no longer go by path: each output's parent directory is reached from the
// root without following a link, pinned by a descriptor, and checked again just before the commit's
// renames. A test hook acts out the race: whoever can write inside the root swaps a directory on an
// output's path for a link to a directory outside it between staging and the commit.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { recoverCommits, writeJournal } from './commit-journal.ts';
import { ResultSaveError, TaskExecutionError } from './errors.ts';
import type { ResolvedFile } from './files.ts';
import { setCommitHooksForTests, stageFiles } from './staging.ts';
import type { StagedFiles } from './staging.ts';

let base: string;
let root: string;
let outside: string;
const SECRET = 'outside, not the task\'s\n';
const staged: StagedFiles[] = [];

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'sfw-stage-race-')));
  root = join(base, 'root');
  outside = join(base, 'outside');
  mkdirSync(join(root, 'a', 'b'), { recursive: true });
  mkdirSync(outside);
  // The file a redirected rename would replace.
  writeFileSync(join(outside, 'out.csv'), SECRET);
});

afterEach(async () => {
  setCommitHooksForTests({});
  for (const s of staged.splice(0)) await s.discard();
  rmSync(base, { recursive: true, force: true });
});

const out = (path: string, role: ResolvedFile['role'] = 'output'): ResolvedFile => ({ field: 'out', party: 'alice', role, path, resolved: join(root, path), root });

async function stage(files: ResolvedFile[]): Promise<StagedFiles> {
  const s = await stageFiles(files, 'task-race');
  staged.push(s);
  return s;
}

async function refusal(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).not.toContain(base);
  return err as Error;
}

/** The attack: move the staged file out, swap its directory for a link to where it went. */
function swapForLink(s: StagedFiles): void {
  const temp = s.output('out');
  renameSync(temp, join(outside, basename(temp)));
  renameSync(join(root, 'a', 'b'), join(root, 'a', 'b-moved'));
  symlinkSync(outside, join(root, 'a', 'b'));
}

describe('the commit re-checks each output directory', () => {
  it('refuses (PATH_ESCAPE) a directory swapped for a link between staging and the commit; the file outside is unchanged', async () => {
    const s = await stage([out('a/b/out.csv')]);
    await writeFile(s.output('out'), 'the task\'s output\n');
    setCommitHooksForTests({ beforeCheck: () => swapForLink(s) });
    const err = await refusal(s.commit());
    expect(err).toBeInstanceOf(ResultSaveError);
    expect(err).toMatchObject({ retryable: false, details: { code: 'PATH_ESCAPE' } });
    expect(readFileSync(join(outside, 'out.csv'), 'utf8')).toBe(SECRET);
  });

  it.runIf(process.platform === 'linux')('a swap after the check cannot redirect the rename either: it goes to the pinned directory', async () => {
    const s = await stage([out('a/b/out.csv')]);
    await writeFile(s.output('out'), 'the task\'s output\n');
    setCommitHooksForTests({
      beforeRename: () => {
        renameSync(join(root, 'a', 'b'), join(root, 'a', 'b-moved'));
        symlinkSync(outside, join(root, 'a', 'b'));
        writeFileSync(join(outside, basename(s.output('out'))), 'planted by the party\n');
      },
    });
    await s.commit();
    expect(readFileSync(join(outside, 'out.csv'), 'utf8')).toBe(SECRET);
    expect(readFileSync(join(root, 'a', 'b-moved', 'out.csv'), 'utf8')).toBe('the task\'s output\n');
  });

  it('refuses an output directory whose ancestor was swapped for a link after resolution: nothing is created outside', async () => {
    renameSync(join(root, 'a'), join(base, 'a-moved'));
    symlinkSync(outside, join(root, 'a'));
    const err = await refusal(stageFiles([out('a/new/out.csv'), out('a/model', 'output-dir')], 'task-race'));
    expect(err).toBeInstanceOf(TaskExecutionError);
    expect(err).toMatchObject({ retryable: false, details: { code: 'PATH_ESCAPE' } });
    expect(readdirSync(outside)).toEqual(['out.csv']);
  });

  it('creates missing directories below the root and removes them again when the task fails', async () => {
    const s = await stage([out('x/y/out.csv'), out('x/model', 'output-dir')]);
    expect(statSync(join(root, 'x', 'y')).isDirectory()).toBe(true);
    await s.discard();
    expect(existsSync(join(root, 'x'))).toBe(false);
  });

  it('an output over a hard link to a file outside the root replaces the name, never the file behind it', async () => {
    linkSync(join(outside, 'out.csv'), join(root, 'a', 'b', 'out.csv'));
    const s = await stage([out('a/b/out.csv')]);
    await writeFile(s.output('out'), 'the task\'s output\n');
    await s.commit();
    expect(readFileSync(join(root, 'a', 'b', 'out.csv'), 'utf8')).toBe('the task\'s output\n');
    expect(readFileSync(join(outside, 'out.csv'), 'utf8')).toBe(SECRET);
    expect(statSync(join(outside, 'out.csv')).nlink).toBe(1);
  });

  it('recovery of an interrupted commit refuses an output directory that became a link', async () => {
    const s = await stage([out('a/b/out.csv')]);
    await writeFile(s.output('out'), 'the task\'s output\n');
    const entries = [{ temp: s.output('out'), final: join(root, 'a', 'b', 'out.csv'), dir: false, old: '', root }];
    const journals = join(base, 'commits');
    mkdirSync(journals);
    await writeJournal(journals, 'task-race', entries);
    // The crash, then the swap before the worker starts again.
    swapForLink(s);
    const r = await recoverCommits(journals);
    expect(r).toMatchObject([{ tag: 'task-race', outcome: 'failed', moved: 0 }]);
    expect(readFileSync(join(outside, 'out.csv'), 'utf8')).toBe(SECRET);
  });
});
