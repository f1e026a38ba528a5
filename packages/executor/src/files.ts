// The file seam, part 1: what a task declares and how a declared path is resolved and checked.
//
// Whoever can push a message to the queue is not trusted with the file system (docs/security.md).
// A task therefore never opens a path from its message directly: its definition declares every
// file its config names (field, party, role), the executor resolves each inside that party's data
// root and refuses what escapes BEFORE any thread starts, and the job receives the resolved paths
// from its JobContext (docs/executor.md, "Files").
import { lstat, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { ParameterValidationError } from './errors.ts';

/**
 * input: a file the task reads; input-dir: a directory it reads (a model);
 * output: a file it writes; output-dir: a directory it writes (written whole, committed whole).
 */
export type FileRole = 'input' | 'input-dir' | 'output' | 'output-dir';

/** One path a task's config names. */
export interface FileDecl {
  /** Field path inside task_config, dot-separated (`input.alice.path`, `output_model`). */
  readonly field: string;
  /** The party whose data root the path resolves in (and whose thread opens it). */
  readonly party: string;
  readonly role: FileRole;
  /** The path as the message gave it: relative to the party's data root. */
  readonly path: string;
}

/**
 * The config field of a per-party file (`input_ds: { alice: 'a.csv', bob: 'b.csv' }`): party -> a
 * path in that party's data root, at least one party. Declared per party with `perPartyFiles`.
 */
export const partyPaths = z.record(z.string().min(1), z.string().min(1)).refine((r) => Object.keys(r).length >= 1, 'at least one party');

/**
 * The declarations of a `{ party: path }` field (`partyPaths`): field `<field>.<party>`, each path in
 * that party's own data root. An absent (optional) field declares nothing.
 */
export function perPartyFiles(field: string, paths: Readonly<Record<string, string>> | undefined, role: FileRole): FileDecl[] {
  return paths === undefined ? [] : Object.entries(paths).map(([party, path]) => ({ field: `${field}.${party}`, party, role, path }));
}

/** What `TaskDefinition.files` may use besides the config (parties from the envelope). */
export interface FileEnv {
  readonly parties: readonly string[];
  readonly spuParties: readonly string[];
}

/** The operator's data roots: one for every party, or one per party (worker configuration). */
export interface DataRoots {
  /** Root for parties without their own entry. */
  readonly default: string;
  readonly parties?: Readonly<Record<string, string>> | undefined;
}

export interface ResolvedFile extends FileDecl {
  /** Absolute path with every symbolic link of the existing part resolved; inside `root`. */
  readonly resolved: string;
  /** The party's data root (real path). */
  readonly root: string;
  /**
   * Party mode: another party's path. This worker neither checks nor opens it (that party's own
   * worker does); the job sees it as given, so its driver code can name it in that party's call.
   */
  readonly foreign?: boolean;
}

export interface ResolveOptions {
  /** Field prefix in errors (`task_config`, `task_config.steps.2.task_config`). */
  readonly prefix: string;
  /** Inputs must exist now (false for pipeline steps whose inputs an earlier step writes). */
  readonly requireInputs: boolean;
  /** Outputs of earlier pipeline steps: inputs found here need not exist yet. */
  readonly produced?: ReadonlySet<string>;
  /** Party mode: only this party's paths are resolved here; the others pass as foreign. */
  readonly onlyParty?: string | undefined;
}

const isOutput = (r: FileRole): boolean => r === 'output' || r === 'output-dir';

/** `a` is `b` or lies below it. */
export function isWithin(a: string, b: string): boolean {
  const rel = relative(b, a);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/**
 * Lexical checks, before touching the file system: relative, no `..` segment, no NUL, not empty,
 * bounded length. Returns the problem or undefined.
 */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0) return 'empty path';
  if (path.length > 1024) return 'path longer than 1024 characters';
  if (path.includes('\0')) return 'path contains a NUL character';
  if (isAbsolute(path)) return 'absolute paths are not allowed (paths are relative to the party data root)';
  if (path.split(/[\\/]/).some((s) => s === '..')) return "'..' is not allowed in a path";
  const segs = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.length === 0) return 'the path names the data root itself';
  return undefined;
}

function refuse(prefix: string, field: string, message: string, code = 'PATH_REFUSED'): ParameterValidationError {
  const path = [prefix, field].filter((p) => p !== '').join('.');
  return new ParameterValidationError(`Invalid task parameters: ${path}: ${message}`, {
    details: { fields: [path], issues: [{ path, code, message }] },
  });
}

/** Real path of the root; created if missing (a fresh worker has an empty root). */
async function realRoot(root: string): Promise<string> {
  return realpath(resolve(root));
}

export function rootOf(roots: DataRoots, party: string): string {
  const own = roots.parties !== undefined && Object.hasOwn(roots.parties, party) ? roots.parties[party] : undefined;
  return own ?? roots.default;
}

/**
 * The deepest existing ancestor of `p` (or `p`) with its links resolved, and the rest appended.
 * Links in the part that does not exist yet cannot exist; the parts the executor creates later are
 * created below an ancestor checked here.
 */
async function realOfPossiblyMissing(p: string): Promise<{ real: string; exists: boolean }> {
  let cur = p;
  const rest: string[] = [];
  for (;;) {
    try {
      const real = await realpath(cur);
      return { real: join(real, ...rest.reverse()), exists: rest.length === 0 };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const parent = dirname(cur);
      if (parent === cur) throw err;
      rest.push(cur.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
      cur = parent;
    }
  }
}

/**
 * Resolves every declared file inside its party's root and checks the set as a whole. Throws a
 * ParameterValidationError naming the field for: a lexical problem, a party without a root, a path
 * (or a link on it) that leaves the root or enters another party's root, a missing input, a file
 * where a directory is expected (or the reverse), an output that is (or contains, or lies in) an
 * input of the same task, and two outputs on the same path.
 */
export async function resolveFiles(roots: DataRoots, decls: readonly FileDecl[], opts: ResolveOptions): Promise<ResolvedFile[]> {
  const realRoots = new Map<string, string>();
  const rootFor = async (party: string, field: string): Promise<string> => {
    let r = realRoots.get(party);
    if (r === undefined) {
      try {
        r = await realRoot(rootOf(roots, party));
      } catch {
        throw refuse(opts.prefix, field, `the data root of party ${party} is not available on this worker`, 'DATA_ROOT_MISSING');
      }
      realRoots.set(party, r);
    }
    return r;
  };
  const out: ResolvedFile[] = [];
  const foreign: ResolvedFile[] = [];
  for (const d of decls) {
    const problem = pathProblem(d.path);
    if (problem !== undefined) throw refuse(opts.prefix, d.field, problem);
    if (opts.onlyParty !== undefined && d.party !== opts.onlyParty) {
      foreign.push({ ...d, resolved: d.path, root: '', foreign: true });
      continue;
    }
    const root = await rootFor(d.party, d.field);
    const { real, exists } = await realOfPossiblyMissing(join(root, d.path));
    if (!isWithin(real, root) || real === root) throw refuse(opts.prefix, d.field, `the path leaves the data root of party ${d.party} (through a symbolic link)`);
    out.push({ ...d, resolved: real, root });
    const kind = exists ? await stat(real) : undefined;
    if (d.role === 'input' || d.role === 'input-dir') {
      const wantDir = d.role === 'input-dir';
      if (kind === undefined) {
        if (opts.requireInputs && !(opts.produced?.has(real) ?? false)) {
          throw refuse(opts.prefix, d.field, `${wantDir ? 'directory' : 'file'} not found in the data root of party ${d.party}`, 'FILE_NOT_FOUND');
        }
      } else if (kind.isDirectory() !== wantDir) {
        throw refuse(opts.prefix, d.field, wantDir ? 'expected a directory, found a file' : 'expected a file, found a directory');
      }
    } else if (kind !== undefined && kind.isDirectory() !== (d.role === 'output-dir')) {
      throw refuse(opts.prefix, d.field, d.role === 'output-dir' ? 'a file exists at this output directory path' : 'a directory exists at this output path');
    }
  }
  // A task without local paths (hello, health_check, a party's foreign paths only) has nothing to
  // check against the roots: no realpath of every configured root for it.
  if (out.length === 0) return foreign;
  // Another party's root: a path of party P may not lie inside the root of a party Q unless Q's
  // root also holds P's root (one shared root, or a root nested above P's).
  const configured = [roots.default, ...Object.values(roots.parties ?? {})];
  const allRoots = new Set(realRoots.values());
  for (const r of configured) allRoots.add(await realRoot(r).catch(() => resolve(r)));
  for (const f of out) {
    for (const other of allRoots) {
      if (other !== f.root && isWithin(f.resolved, other) && !isWithin(f.root, other)) {
        throw refuse(opts.prefix, f.field, `the path lies in another party's data root`);
      }
    }
  }
  checkConflicts(out, opts.prefix);
  return [...out, ...foreign];
}

/**
 * An output may not be, contain or lie inside an input of the same task, nor overlap another
 * output. Declarations of one field that resolve to one directory (an output-dir shared by every
 * party under one root) are the same output and allowed.
 */
function checkConflicts(files: readonly ResolvedFile[], prefix: string): void {
  const outputs = files.filter((f) => isOutput(f.role));
  for (const o of outputs) {
    for (const f of files) {
      if (f === o) continue;
      const overlap = isWithin(f.resolved, o.resolved) || isWithin(o.resolved, f.resolved);
      if (!overlap) continue;
      if (!isOutput(f.role)) throw refuse(prefix, o.field, `an output may not overlap an input of the task (${[prefix, f.field].filter((p) => p !== '').join('.')})`, 'OUTPUT_OVERLAPS_INPUT');
      const sameOutput = f.field === o.field && f.resolved === o.resolved && f.role === o.role;
      if (!sameOutput) throw refuse(prefix, o.field, `an output may not overlap another output of the task (${[prefix, f.field].filter((p) => p !== '').join('.')})`, 'OUTPUT_OVERLAPS_OUTPUT');
    }
  }
}

/** True when the file at `p` is a symbolic link (used before replacing an output directory). */
export async function isSymlink(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isSymbolicLink();
  } catch {
    return false;
  }
}
