// The file seam, part 2: staged outputs, committed all-or-nothing.
//
// A job never writes an output at its final path. Each output gets a temporary name in the same
// directory (so the commit is a rename, atomic on one file system); the executor renames every
// staged output into place only after the job (every party's part of it) succeeded, and removes
// them on failure. Earlier files at the output paths are untouched until the commit, and a failed
// task leaves no partial file. With a journal directory the commit is journalled, so a crash
// between its renames is completed when the worker starts again (commit-journal.ts). Each output's
// parent directory is pinned by a descriptor from staging to the commit and checked again just
// before the renames (pinned-dir.ts), so a directory swapped for a link in between cannot redirect
// them.
import { mkdir, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ResultSaveError, TaskExecutionError } from './errors.ts';
import { applyEntry, exists, syncDir, syncTree, writeJournal } from './commit-journal.ts';
import type { JournalEntry } from './commit-journal.ts';
import { PathEscapeError, pinDirectory, recheckDirectory } from './pinned-dir.ts';
import type { PinnedDir } from './pinned-dir.ts';
import type { FileDecl, FileEnv, ResolvedFile } from './files.ts';
import type { JobContext } from './registry.ts';
import { silentLogger } from '@sfw/log';
import type { Logger } from '@sfw/log';
import { DEFAULT_TASK_LIMITS } from './limits.ts';
import type { TaskLimits } from './limits.ts';

/** What a job sees of its files (JobContext.files). */
export interface JobFiles {
  /** Resolved path of an input file or directory declared for `field` (and `party` if several). */
  input(field: string, party?: string): string;
  /** Staged path to write an output file or directory to (committed by the executor on success). */
  output(field: string, party?: string): string;
  /** Every declaration, in order. */
  readonly declared: readonly FileDecl[];
}

/** A task's (or a pipeline step's) files between resolution and the commit. */
export interface StagedFiles extends JobFiles {
  /** Renames every staged output that the job wrote into place. */
  commit(): Promise<void>;
  /** Removes staged outputs and the directories staging created. Never throws. */
  discard(): Promise<void>;
}

const STAGE_MARK = '.sfw-stage-';

let commitHooks: { beforeCheck?: () => void | Promise<void>; beforeRename?: () => void | Promise<void> } = {};

/**
 * Test hooks: `beforeCheck` runs when the commit starts (after the job, before the output directories
 * are checked again), `beforeRename` between that check and the renames; a test swaps a directory for
 * a link there to act out the race. Not exported from the package.
 */
export function setCommitHooksForTests(hooks: typeof commitHooks): void {
  commitHooks = hooks;
}

/** The error a refused escape surfaces as: PATH_ESCAPE in its details, never retried. */
function escapeRefused(what: string, err: PathEscapeError): TaskExecutionError {
  return new TaskExecutionError(`${what}: ${err.message}`, { cause: err, code: 'TASK_EXECUTION_FAILED', retryable: false, details: { code: 'PATH_ESCAPE' } });
}

interface Entry {
  readonly file: ResolvedFile;
  readonly path: string;
}

function pick(entries: readonly Entry[], field: string, party: string | undefined, output: boolean): string {
  const matches = entries.filter((e) => e.file.field === field && (party === undefined || e.file.party === party));
  const wrongRole = matches.filter((e) => (e.file.role === 'output' || e.file.role === 'output-dir') !== output);
  if (matches.length === 0 || wrongRole.length > 0) {
    // A programming error in the job (it asked for a file its definition did not declare).
    throw new TaskExecutionError(`the task did not declare ${output ? 'an output' : 'an input'} at ${field}${party === undefined ? '' : ` for ${party}`}`);
  }
  const paths = new Set(matches.map((m) => m.path));
  if (paths.size > 1) throw new TaskExecutionError(`${field} is declared for several parties: name the party`);
  return matches[0]!.path;
}

export interface StageOptions {
  /** Where the commit writes its journal (created if missing); without it the commit is not journalled. */
  readonly journalDir?: string | undefined;
}

/**
 * Creates the staging for resolved files: parent directories of outputs (remembered, so a discard
 * removes the ones it created), a staging directory for each output directory, temporary names for
 * output files (the job creates those files itself).
 */
export async function stageFiles(files: readonly ResolvedFile[], tag: string, opts: StageOptions = {}): Promise<StagedFiles> {
  const created: string[] = [];
  const entries: Entry[] = [];
  const staged = new Map<string, { final: string; temp: string; dir: boolean; pin: PinnedDir }>();
  const pins = new Map<string, PinnedDir>();
  const unpin = async (): Promise<void> => {
    for (const p of pins.values()) await p.fh.close().catch(() => undefined);
    pins.clear();
  };
  // Drawn when the first output is staged: most tasks (and every light one) stage none.
  let suffixOnce: string | undefined;
  const suffixOf = (): string => (suffixOnce ??= `${STAGE_MARK}${tag.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 32)}-${randomBytes(4).toString('hex')}`);
  let done = false;
  const discard = async (): Promise<void> => {
    for (const s of staged.values()) await rm(s.pin.at(basename(s.temp)), { recursive: true, force: true }).catch(() => undefined);
    // Deepest first; rmdir refuses a directory that is not empty, so nothing else is removed.
    for (const d of [...created].reverse()) await rmdir(d).catch(() => undefined);
    await unpin();
  };
  try {
    for (const f of files) {
      if (f.role === 'input' || f.role === 'input-dir' || f.foreign === true) {
        entries.push({ file: f, path: f.resolved });
        continue;
      }
      let s = staged.get(f.resolved);
      if (s === undefined) {
        const parent = dirname(f.resolved);
        // Created from the root down without following a link, and kept open until the commit.
        let pin = pins.get(parent);
        if (pin === undefined) {
          pin = await pinDirectory(f.root, parent, created);
          pins.set(parent, pin);
        }
        const tempName = `.${basename(f.resolved)}${suffixOf()}.tmp`;
        const temp = join(parent, tempName);
        if (f.role === 'output-dir') await mkdir(pin.at(tempName), { mode: 0o700 });
        s = { final: f.resolved, temp, dir: f.role === 'output-dir', pin };
        staged.set(f.resolved, s);
      }
      entries.push({ file: f, path: s.temp });
    }
  } catch (err) {
    await discard();
    if (err instanceof PathEscapeError) throw escapeRefused('cannot prepare the output paths', err);
    throw new TaskExecutionError('cannot prepare the output paths', { cause: err, code: 'TASK_EXECUTION_FAILED' });
  }
  return {
    declared: files,
    input: (field, party) => pick(entries, field, party, false),
    output: (field, party) => pick(entries, field, party, true),
    async commit() {
      if (done) return;
      done = true;
      let journal: string | undefined;
      try {
        await commitHooks.beforeCheck?.();
        // Every output directory is still the pinned one at its path, inside its root, reached
        // through no link; from here on its entries are named through the descriptor (pinned-dir.ts).
        for (const p of pins.values()) await recheckDirectory(p);
        const moves: { entry: JournalEntry; local: JournalEntry }[] = [];
        for (const s of staged.values()) {
          const local = { temp: s.pin.at(basename(s.temp)), final: s.pin.at(basename(s.final)), dir: s.dir, old: s.pin.at(`.${basename(s.final)}${suffixOf()}.old`) };
          // An output the job chose not to write is not committed.
          if (await exists(local.temp)) moves.push({ entry: { temp: s.temp, final: s.final, dir: s.dir, old: join(dirname(s.final), basename(local.old)), root: s.pin.root }, local });
        }
        // Contents first, then names: an output renamed into place must never be a file whose
        // data a power loss could still drop (an empty or short table under its final name).
        for (const m of moves) await syncTree(m.local.temp);
        if (opts.journalDir !== undefined && moves.length > 1) {
          await mkdir(opts.journalDir, { recursive: true, mode: 0o700 });
          journal = await writeJournal(opts.journalDir, tag, moves.map((m) => m.entry));
        }
        await commitHooks.beforeRename?.();
        for (const m of moves) await applyEntry(m.local);
        for (const p of pins.values()) await p.fh.sync().catch(() => syncDir(p.dir));
        if (journal !== undefined) await rm(journal, { force: true });
        await unpin();
      } catch (err) {
        await discard();
        // What was moved stays; the rest is gone with the staging, so the journal has nothing left to do.
        if (journal !== undefined) await rm(journal, { force: true }).catch(() => undefined);
        if (err instanceof PathEscapeError) {
          throw new ResultSaveError(`could not move the outputs into place: ${err.message}`, { retryable: false, cause: err, details: { code: 'PATH_ESCAPE' } });
        }
        throw new ResultSaveError('could not move the outputs into place', { retryable: false, cause: err });
      }
    },
    async discard() {
      if (done) return;
      done = true;
      await discard();
    },
  };
}


/**
 * JobFiles that hand out the declared paths as given, with no root, no checks and no staging. For
 * callers that run a job's `run` directly on paths they already trust (embedding, unit tests); the
 * executor never uses it.
 */
export function uncheckedJobFiles(decls: readonly FileDecl[]): JobFiles {
  const entries: Entry[] = decls.map((d) => ({ file: { ...d, resolved: d.path, root: '' }, path: d.path }));
  return {
    declared: decls,
    input: (field, party) => pick(entries, field, party, false),
    output: (field, party) => pick(entries, field, party, true),
  };
}

/**
 * Runs `def` on `config` with `files` built by `uncheckedJobFiles` from what it declares: for callers
 * that invoke a job directly (tests, embedding) on paths they already trust. No root, no staging.
 */
export function runWithUncheckedFiles<C, R>(
  def: { files?(config: C, env: FileEnv): readonly FileDecl[]; run(ctx: JobContext, config: C): Promise<R> },
  ctx: Omit<JobContext, 'files'>,
  config: C,
): Promise<R> {
  const files = uncheckedJobFiles(def.files?.(config, { parties: ctx.parties, spuParties: ctx.spuParties }) ?? []);
  return def.run({ ...ctx, files }, config);
}

/**
 * A JobContext for driving jobs directly (tests, benchmarks, embedding): a silent logger unless
 * given, no declared files (use
 * `runWithUncheckedFiles` for a job that declares them), the default limits unless given, and no
 * nested staging.
 */
export function directJobContext(base: Omit<JobContext, 'files' | 'limits' | 'stageFiles' | 'log'> & { limits?: TaskLimits; log?: Logger }): JobContext {
  return {
    ...base,
    log: base.log ?? silentLogger(),
    files: uncheckedJobFiles([]),
    limits: base.limits ?? DEFAULT_TASK_LIMITS,
    stageFiles: () => Promise.reject(new TaskExecutionError('nested tasks need the executor (directJobContext has no file seam)')),
  };
}
