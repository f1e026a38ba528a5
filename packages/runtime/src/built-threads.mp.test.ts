// Built threads (dist: thread/start.cjs compiling the CommonJS bundle with V8's code cache), which
// the tests from source never reach: a child process runs the built package as a user would, with a
// job module imported by URL (the bundle's own import() cannot do it), SPU results against plaintext,
// and a second cluster in the same process reusing the warm code cache.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spuMulProbeSource } from '@sfw/testkit';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const built = existsSync(join(dist, 'thread/bundle.cjs'));

const child = (distUrl: string, moduleUrl: string): string => `
import { Cluster } from ${JSON.stringify(new URL('index.js', distUrl).href)};
import { builtThreadCode } from ${JSON.stringify(new URL('thread-code.js', distUrl).href)};
const spu = { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' };
const out = { runs: [] };
out.buildCache = builtThreadCode()?.cache?.byteLength ?? 0;
for (let k = 0; k < 2; k++) {
  const c = await Cluster.start({ parties: ['alice', 'bob'], spu, modules: [${JSON.stringify(moduleUrl)}] });
  await c.beginTask('t' + k);
  const twice = await c.pyu('alice').call('probe.twice', 21).get();
  ${spuMulProbeSource({ cluster: 'c', result: 'worst' })}
  await c.endTask();
  await c.shutdown();
  out.runs.push({ twice, worst, cache: builtThreadCode()?.cache?.byteLength ?? 0 });
}
console.log(JSON.stringify(out));
`;

describe('built cluster threads (dist)', () => {
  it.skipIf(!built)('start from the bundle with the code cache, import job modules, compute correctly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfw-built-'));
    try {
      // A device module is any default export of this shape (module.ts isDeviceModule).
      const mod = join(dir, 'probe.mjs');
      writeFileSync(mod, "export default { kind: 'sfw.device-module', name: 'probe', pyu: { twice: (_ctx, x) => 2 * x } };\n");
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', child(pathToFileURL(dist).href, pathToFileURL(mod).href)], { encoding: 'utf8', timeout: 120_000 });
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { buildCache: number; runs: Array<{ twice: number; worst: number; cache: number }> };
      expect(out.buildCache).toBeGreaterThan(0); // the build made a cache this Node accepts the digest of
      expect(out.runs).toHaveLength(2);
      for (const run of out.runs) {
        expect(run.twice).toBe(42);
        expect(run.worst).toBeLessThan(1e-4); // FM64, 18 fractional bits, |x|, |y| <= 1
        expect(run.cache).toBeGreaterThan(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
