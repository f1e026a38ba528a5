// The file seam: paths resolve inside each party's data root or the task is refused naming the
// field; outputs are staged and committed all-or-nothing. Property tests fuzz the resolver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWithin, pathProblem, resolveFiles } from './files.ts';
import type { DataRoots, FileDecl } from './files.ts';
import { stageFiles } from './staging.ts';
import { ParameterValidationError } from './errors.ts';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'sfw-files-')));
const shared = join(base, 'shared');
const alice = join(base, 'alice');
const bob = join(base, 'bob');
const secret = join(base, 'outside-secret.txt');

beforeAll(() => {
  for (const d of [shared, alice, bob, join(shared, 'in'), join(alice, 'in'), join(bob, 'in')]) mkdirSync(d, { recursive: true });
  writeFileSync(secret, 'not for tasks\n');
  writeFileSync(join(shared, 'in/a.csv'), 'id\n1\n');
  writeFileSync(join(shared, 'in/b.csv'), 'id\n1\n');
  writeFileSync(join(alice, 'in/a.csv'), 'id\n1\n');
  writeFileSync(join(bob, 'in/b.csv'), 'id\n1\n');
  symlinkSync(secret, join(shared, 'in/link-out.csv'));
  symlinkSync('/etc', join(shared, 'etc-link'));
  symlinkSync(join(shared, 'in/a.csv'), join(shared, 'in/link-in.csv'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const one: DataRoots = { default: shared };
const perParty: DataRoots = { default: shared, parties: { alice, bob } };
const decl = (field: string, party: string, role: FileDecl['role'], path: string): FileDecl => ({ field, party, role, path });
const opts = { prefix: 'task_config', requireInputs: true } as const;

async function refused(roots: DataRoots, decls: FileDecl[]): Promise<ParameterValidationError> {
  const err = await resolveFiles(roots, decls, opts).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ParameterValidationError);
  return err as ParameterValidationError;
}

describe('resolveFiles', () => {
  it('resolves relative paths inside the party root', async () => {
    const r = await resolveFiles(perParty, [decl('input.alice.path', 'alice', 'input', 'in/a.csv'), decl('output.alice', 'alice', 'output', 'out/x.csv')], opts);
    expect(r.map((f) => f.resolved)).toEqual([join(alice, 'in/a.csv'), join(alice, 'out/x.csv')]);
    const viaLink = await resolveFiles(one, [decl('f', 'alice', 'input', 'in/link-in.csv')], opts);
    expect(viaLink[0]!.resolved).toBe(join(shared, 'in/a.csv'));
  });

  it('refuses absolute paths, .., NUL, the root itself and links that leave the root, naming the field', async () => {
    for (const p of ['/etc/passwd', '../outside-secret.txt', 'in/../../outside-secret.txt', 'in/a.csv\0', '.', './', 'in/link-out.csv', 'etc-link/passwd']) {
      const e = await refused(one, [decl('input.alice.path', 'alice', 'input', p)]);
      expect(e.fields).toEqual(['task_config.input.alice.path']);
    }
    const out = await refused(one, [decl('output.bob', 'bob', 'output', 'etc-link/cron.d/x')]);
    expect(out.message).toMatch(/task_config.output.bob: .*leaves the data root/);
  });

  it('a missing input names its field; a missing input of a later pipeline step may be produced earlier', async () => {
    const e = await refused(one, [decl('input_ds.bob', 'bob', 'input', 'in/none.csv')]);
    expect(e.message).toMatch(/task_config.input_ds.bob: file not found/);
    const produced = new Set([join(shared, 'in/none.csv')]);
    await expect(resolveFiles(one, [decl('input_ds.bob', 'bob', 'input', 'in/none.csv')], { ...opts, produced })).resolves.toHaveLength(1);
  });

  it("an output may not be an input, nor lie in another party's root; two outputs may not collide", async () => {
    // alice's output over bob's input (one shared root)
    const e1 = await refused(one, [decl('input.bob.path', 'bob', 'input', 'in/b.csv'), decl('output.alice', 'alice', 'output', 'in/b.csv')]);
    expect(e1.fields).toEqual(['task_config.output.alice']);
    expect(e1.message).toMatch(/overlap an input .*task_config.input.bob.path/);
    // an output directory holding an input
    await refused(one, [decl('input.bob.path', 'bob', 'input', 'in/b.csv'), decl('output_model', 'bob', 'output-dir', 'in')]);
    const e2 = await refused(one, [decl('output.alice', 'alice', 'output', 'o.csv'), decl('output.bob', 'bob', 'output', './o.csv')]);
    expect(e2.message).toMatch(/overlap another output/);
    // one field declared for two parties that share a root: one output directory, allowed
    await expect(resolveFiles(one, [decl('output_model', 'alice', 'output-dir', 'm'), decl('output_model', 'bob', 'output-dir', 'm')], opts)).resolves.toHaveLength(2);
    // nested roots: the default root holds alice's and bob's; a default-root party cannot write into them
    const e3 = await refused({ default: base, parties: { alice } }, [decl('output.carol', 'carol', 'output', 'alice/in/a.csv')]);
    expect(e3.message).toMatch(/another party's data root/);
  });

  it('per-party roots: each party sees only its own root', async () => {
    await refused(perParty, [decl('input.alice.path', 'alice', 'input', 'in/b.csv')]); // bob's file name, absent in alice's root
    const r = await resolveFiles(perParty, [decl('input.bob.path', 'bob', 'input', 'in/b.csv')], opts);
    expect(r[0]!.resolved).toBe(join(bob, 'in/b.csv'));
  });

  it('property: a path is refused, or it resolves inside the root and is not the root', async () => {
    const seg = fc.oneof(fc.constantFrom('..', '.', '', 'in', 'a.csv', 'etc-link', 'link-out.csv', 'in/link-out.csv', '/', '\0', '~'), fc.string({ maxLength: 6 }));
    await fc.assert(
      fc.asyncProperty(fc.array(seg, { maxLength: 6 }), fc.boolean(), async (parts, abs) => {
        const p = (abs ? '/' : '') + parts.join('/');
        try {
          const [f] = await resolveFiles(one, [decl('x', 'alice', 'output', p)], { prefix: '', requireInputs: false });
          expect(pathProblem(p)).toBeUndefined();
          expect(isWithin(f!.resolved, shared) && f!.resolved !== shared).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(ParameterValidationError);
          expect((e as ParameterValidationError).fields).toEqual(['x']);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('stageFiles', () => {
  it('writes go to a temporary name; commit renames; earlier files stay untouched until then', async () => {
    writeFileSync(join(shared, 'res.csv'), 'old\n');
    const files = await resolveFiles(one, [decl('out', 'alice', 'output', 'res.csv'), decl('in', 'alice', 'input', 'in/a.csv')], opts);
    const s = await stageFiles(files, 'task-1');
    const tmp = s.output('out');
    expect(tmp).not.toBe(join(shared, 'res.csv'));
    expect(s.input('in')).toBe(join(shared, 'in/a.csv'));
    writeFileSync(tmp, 'new\n');
    expect(readFileSync(join(shared, 'res.csv'), 'utf8')).toBe('old\n');
    await s.commit();
    expect(readFileSync(join(shared, 'res.csv'), 'utf8')).toBe('new\n');
    expect(existsSync(tmp)).toBe(false);
  });

  it('discard removes partial outputs and the directories staging created; earlier files are intact', async () => {
    writeFileSync(join(shared, 'keep.csv'), 'earlier\n');
    const files = await resolveFiles(one, [decl('a', 'alice', 'output', 'keep.csv'), decl('b', 'bob', 'output', 'fresh/deep/b.csv')], opts);
    const s = await stageFiles(files, 'task-2');
    writeFileSync(s.output('a'), 'partial');
    writeFileSync(s.output('b'), 'partial');
    await s.discard();
    expect(readFileSync(join(shared, 'keep.csv'), 'utf8')).toBe('earlier\n');
    expect(existsSync(join(shared, 'fresh'))).toBe(false);
    expect(readdirSync(shared).filter((n) => n.includes('.sfw-stage-'))).toEqual([]);
  });

  it('an output directory is replaced whole on commit; asking for an undeclared file is an error', async () => {
    mkdirSync(join(shared, 'model'), { recursive: true });
    writeFileSync(join(shared, 'model/stale.share'), 'x');
    const files = await resolveFiles(one, [decl('output_model', 'alice', 'output-dir', 'model'), decl('output_model', 'bob', 'output-dir', 'model')], opts);
    const s = await stageFiles(files, 't3');
    expect(s.output('output_model', 'alice')).toBe(s.output('output_model', 'bob'));
    writeFileSync(join(s.output('output_model', 'alice'), 'alice.share'), 'a');
    expect(() => s.input('output_model', 'alice')).toThrow(/did not declare an input/);
    expect(() => s.output('nope')).toThrow(/did not declare an output/);
    await s.commit();
    expect(readdirSync(join(shared, 'model'))).toEqual(['alice.share']);
  });
});
