import { describe, expect, it } from 'vitest';
import { defineDeviceModule, loadRegistry, Registry } from './module.ts';

const mod = (name: string, fns: string[]) => defineDeviceModule(name, { pyu: Object.fromEntries(fns.map((f) => [f, () => f])) });

describe('Registry: modules linked into a thread bundle load on first use', () => {
  it('evaluates a deferred module only when one of its functions is looked up', () => {
    const r = new Registry();
    r.add(mod('builtin', ['identity']));
    let loads = 0;
    r.defer('job', () => (loads++, mod('job', ['run'])));
    expect(r.names()).toEqual({ pyu: ['builtin.identity'], spu: [], deferred: ['job'] });
    expect(r.pyu('builtin.identity')).toBeTypeOf('function');
    expect(r.pyu('other.run')).toBeUndefined();
    expect(loads).toBe(0);
    expect(r.pyu('job.nope')).toBeUndefined();
    expect(r.pyu('job.run')).toBeTypeOf('function');
    expect(loads).toBe(1);
    expect(r.names().deferred).toEqual([]);
  });

  it('fails the lookup when the linked module is not the one its name says', () => {
    const r = new Registry();
    r.defer('job', () => mod('other', ['run']));
    expect(() => r.pyu('job.run')).toThrow(/did not load as defineDeviceModule\('job'/);
  });

  it('merges a deferred module with an eager one of the same name (duplicates still fail)', () => {
    const r = new Registry();
    r.defer('job', () => mod('job', ['a']));
    r.add(mod('job', ['b']));
    expect(r.names().pyu.sort()).toEqual(['job.a', 'job.b']);
    expect(() => r.defer('job', () => mod('job', ['a']))).toThrow(/duplicate device function job.a/);
  });

  it('loadRegistry takes modules the bundle links from it and imports the others', async () => {
    const imported: string[] = [];
    const bundled = { url: 'file:///app/dist/thread/bundle.cjs', modules: [{ name: 'job', path: '../../jobs/device.js', load: () => mod('job', ['run']) }] };
    const r = await loadRegistry(['file:///app/jobs/device.js', 'file:///elsewhere/x.js'], [], (url) => (imported.push(url), Promise.resolve({ default: mod('x', ['f']) })), bundled);
    expect(imported).toEqual(['file:///elsewhere/x.js']);
    expect(r.names()).toEqual({ pyu: ['x.f'], spu: [], deferred: ['job'] });
    expect(r.pyu('job.run')).toBeTypeOf('function');
  });
});
