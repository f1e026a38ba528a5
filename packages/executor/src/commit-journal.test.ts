// A crash between the renames of a commit: the journal written before the first rename lets the
// restarted worker move the remaining outputs into place (roll forward), and only then.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { applyEntry, recoverCommits, syncDir, syncTree, writeJournal } from './commit-journal.ts';
import type { JournalEntry } from './commit-journal.ts';
import { stageFiles } from './staging.ts';
import type { StagedFiles } from './staging.ts';
import type { ResolvedFile } from './files.ts';

let root = '';
let last: StagedFiles | undefined;
afterEach(async () => {
  // A simulated crash leaves its staging open (the output directories stay pinned): close it.
  await last?.discard();
  last = undefined;
  rmSync(root, { recursive: true, force: true });
});

/** A data root with an earlier result at both outputs: a file and a model directory. */
async function staged(): Promise<{ files: StagedFiles; journals: string; entries: JournalEntry[] }> {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'sfw-journal-')));
  mkdirSync(join(root, 'out/model'), { recursive: true });
  writeFileSync(join(root, 'out/pred.csv'), 'old pred\n');
  writeFileSync(join(root, 'out/model/w.bin'), 'old model');
  const decl = (field: string, role: ResolvedFile['role'], path: string): ResolvedFile => ({ field, party: 'alice', role, path, resolved: join(root, path), root });
  const files = await stageFiles([decl('pred', 'output', 'out/pred.csv'), decl('model', 'output-dir', 'out/model')], 'task-1', { journalDir: join(root, 'work/commits') });
  last = files;
  await writeFile(files.output('pred'), 'new pred\n');
  await writeFile(join(files.output('model'), 'w.bin'), 'new model');
  // The moves the commit makes, in its order (the old model directory goes aside under this name).
  const old = join(root, 'out', `.model${basename(files.output('pred')).slice('.pred.csv'.length, -'.tmp'.length)}.old`);
  const entries: JournalEntry[] = [
    { temp: files.output('pred'), final: join(root, 'out/pred.csv'), dir: false, old: '' },
    { temp: files.output('model'), final: join(root, 'out/model'), dir: true, old },
  ];
  return { files, journals: join(root, 'work/commits'), entries };
}

const outputs = (): string[] => [readFileSync(join(root, 'out/pred.csv'), 'utf8'), readFileSync(join(root, 'out/model/w.bin'), 'utf8')];

describe('commit journal', () => {
  it('a commit that finishes leaves both outputs new and no journal', async () => {
    const { files, journals } = await staged();
    await files.commit();
    expect(outputs()).toEqual(['new pred\n', 'new model']);
    expect(readdirSync(journals)).toEqual([]);
    expect(readdirSync(join(root, 'out')).sort()).toEqual(['model', 'pred.csv']);
  });

  for (const crashAfter of [0, 1]) {
    it(`a crash after ${crashAfter} of 2 renames: before recovery the task's outputs are mixed, after it both are new`, async () => {
      const { journals, entries } = await staged();
      mkdirSync(journals, { recursive: true });
      await writeJournal(journals, 'task-1', entries);
      for (const e of entries.slice(0, crashAfter)) await applyEntry(e);
      // The crash: nothing more happens until a worker starts again.
      expect(outputs()).toEqual(crashAfter === 0 ? ['old pred\n', 'old model'] : ['new pred\n', 'old model']);
      const r = await recoverCommits(journals);
      expect(r).toMatchObject([{ tag: 'task-1', outcome: 'rolled-forward', moved: 2 - crashAfter }]);
      expect(outputs()).toEqual(['new pred\n', 'new model']);
      expect(readdirSync(journals)).toEqual([]);
      // No staged or set-aside file remains; a second recovery has nothing to do.
      expect(readdirSync(join(root, 'out')).sort()).toEqual(['model', 'pred.csv']);
      expect(await recoverCommits(journals)).toEqual([]);
    });
  }

  it('a crash between moving the old model aside and moving the new one in: recovery completes it', async () => {
    const { journals, entries } = await staged();
    mkdirSync(journals, { recursive: true });
    await writeJournal(journals, 'task-1', entries);
    await applyEntry(entries[0]!);
    const model = entries[1]!;
    await rename(model.final, model.old);
    expect(existsSync(model.final)).toBe(false);
    expect(await recoverCommits(journals)).toMatchObject([{ outcome: 'rolled-forward', moved: 1 }]);
    expect(outputs()).toEqual(['new pred\n', 'new model']);
    expect(existsSync(model.old)).toBe(false);
  });

  it("leaves a live process's journal alone, and a half-written journal describes no rename", async () => {
    const { journals, entries } = await staged();
    mkdirSync(journals, { recursive: true });
    const path = await writeJournal(journals, 'task-1', entries);
    // The same journal, as if written by the (live) parent process of this test.
    const j = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...j, pid: process.ppid }));
    writeFileSync(join(journals, 'task-2-0000.commit.json.tmp'), '{"tag":');
    expect(await recoverCommits(journals)).toMatchObject([{ tag: 'task-1', outcome: 'skipped', moved: 0 }]);
    expect(outputs()).toEqual(['old pred\n', 'old model']);
    expect(readdirSync(journals)).toEqual([basename(path)]);
    expect(dirname(path)).toBe(journals);
  });
});

describe('flushing before and after the renames', () => {
  it('syncTree flushes every file of a nested output and syncDir a directory; a missing path is an error, not a silent no-op', async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'sfw-journal-')));
    mkdirSync(join(root, 'model/deep'), { recursive: true });
    writeFileSync(join(root, 'model/a.bin'), 'a');
    writeFileSync(join(root, 'model/deep/b.bin'), 'b');
    await expect(syncTree(join(root, 'model'))).resolves.toBeUndefined();
    await expect(syncTree(join(root, 'model/a.bin'))).resolves.toBeUndefined();
    await expect(syncDir(root)).resolves.toBeUndefined();
    await expect(syncDir(join(root, 'gone'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(syncTree(join(root, 'gone'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
