// The worker's built thread bundle (scripts/bundle-threads.mjs: every job's device module linked in,
// code-cached), which the tests from source never reach: a child process runs the built app's own
// cluster provider as `sfw worker` does, calls a function of a linked module (evaluated on that first
// call), checks an SPU result against plaintext, and starts a second cluster from the warm cache.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spuMulProbeSource } from '@sfw/testkit';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const built = existsSync(join(dist, 'thread/bundle.cjs'));

const child = (distUrl: string, csv: string): string => `
import { runtimeClusterProvider, registerJobs } from ${JSON.stringify(new URL('index.js', distUrl).href)};
const noop = () => undefined;
const log = { info: noop, warn: noop, error: noop, debug: noop, trace: noop, fatal: noop };
log.child = () => log;
const modules = registerJobs().registry.deviceModules();
const spec = { address: 'cluster', parties: ['alice', 'bob'], spuParties: ['alice', 'bob'], spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' }, modules };
const out = { modules: modules.length, runs: [] };
for (let k = 0; k < 2; k++) {
  const provider = runtimeClusterProvider();
  const { cluster: c } = await provider.acquire(spec, log);
  await c.beginTask('t' + k);
  const header = await c.pyu('bob').call('eval.header', ${JSON.stringify(csv)}).get();
  const unknown = await c.pyu('alice').call('eval.nope').get().then(() => 'resolved', (e) => e.code);
  ${spuMulProbeSource({ cluster: 'c', result: 'worst' })}
  await c.endTask();
  await c.shutdown();
  out.runs.push({ header, unknown, worst });
}
console.log(JSON.stringify(out));
`;

describe('the worker app\'s thread bundle (dist)', () => {
  it.skipIf(!built)('starts the cluster with every job module linked, loads one on first use, computes correctly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfw-wbundle-'));
    try {
      const csv = join(dir, 'p.csv');
      writeFileSync(csv, 'id,y,p\n1,0,0.2\n2,1,0.9\n3,1,0.6\n');
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', child(pathToFileURL(dist).href, csv)], { encoding: 'utf8', timeout: 120_000 });
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { modules: number; runs: Array<{ header: { columns: string[]; numRows: number }; unknown: string; worst: number }> };
      expect(out.modules).toBeGreaterThanOrEqual(6);
      expect(out.runs).toHaveLength(2);
      for (const run of out.runs) {
        expect(run.header.columns).toEqual(['id', 'y', 'p']);
        expect(run.unknown).toBe('UNKNOWN_FUNCTION');
        expect(run.worst).toBeLessThan(1e-4); // FM64, 18 fractional bits, |x|, |y| <= 1
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
