// The embeddable packages as a user gets them: `pnpm pack` each one (workspace: ranges become
// versions, publishConfig.exports drops the source condition), `npm install` the tarballs into a
// fresh ESM project outside the workspace, type-check a consumer with tsc (node16 resolution), and
// run it with plain node: the secure-mean example on a Cluster, a two-party PSI, and a Celery
// round trip against the test Redis. Needs `pnpm run build` first (tools/setup.sh does it).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const consumerSrc = fileURLToPath(new URL('../consumer/', import.meta.url));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** The packages a user embeds (everything under packages/ that is not private). */
const embeddable = readdirSync(join(repo, 'packages'))
  .map((d) => ({ dir: join(repo, 'packages', d), json: JSON.parse(readFileSync(join(repo, 'packages', d, 'package.json'), 'utf8')) }))
  .filter((p) => p.json.private !== true);

/** Tools that must never be a run-time dependency of a published package. */
const DEV_TOOLS = /^(tsx|ts-node|typescript|esbuild|vitest|@vitest\/.*|turbo|eslint|@eslint\/.*|typescript-eslint|fast-check|wabt|typedoc|@types\/.*|@sfw\/testkit)$/;

// npm must not inherit pnpm's npm_config_* settings from `pnpm exec vitest`.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });

let root: string;
let app: string;
const tarballs = new Map<string, string>();

beforeAll(() => {
  for (const p of embeddable) {
    if (!existsSync(join(p.dir, 'dist', 'index.d.ts'))) throw new Error(`${p.json.name} is not built: run pnpm run build first`);
  }
  root = mkdtempSync(join(tmpdir(), 'sfw-embed-'));
  const packs = join(root, 'tarballs');
  mkdirSync(packs);
  for (const p of embeddable) {
    const before = new Set(readdirSync(packs));
    run('pnpm', ['pack', '--pack-destination', packs], p.dir);
    const made = readdirSync(packs).filter((f) => !before.has(f));
    expect(made).toHaveLength(1);
    tarballs.set(p.json.name, join(packs, made[0]!));
  }
  app = join(root, 'app');
  mkdirSync(app);
  const deps = Object.fromEntries([...tarballs].map(([n, t]) => [n, `file:${t}`]));
  // overrides: a dependency between our packages resolves to the local tarball, never the registry.
  const overrides = Object.fromEntries([...tarballs.keys()].map((n) => [n, `$${n}`]));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'embed-app', private: true, type: 'module', dependencies: deps, overrides }, null, 2));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], app);

  for (const f of readdirSync(consumerSrc)) cpSync(join(consumerSrc, f), join(app, f));
  for (const f of ['secure-mean.ts', 'secure-mean-device.ts']) cpSync(join(repo, 'packages/runtime/examples', f), join(app, f));
  // @types/node comes from the workspace's own copy (the consumer's devDependency in real life).
  const tsconfig = readFileSync(join(app, 'tsconfig.json'), 'utf8').replace(
    '"types": ["node"],',
    `"types": ["node"], "typeRoots": [${JSON.stringify(join(repo, 'node_modules', '@types'))}],`,
  );
  writeFileSync(join(app, 'tsconfig.json'), tsconfig);
}, 600_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('installed packages', () => {
  it('tarballs hold only dist, README, LICENSE and package.json', () => {
    for (const [name, t] of tarballs) {
      const entries = run('tar', ['-tzf', t], root).trim().split('\n');
      // dist/thread/bundle.cjs(.cache): the runtime's thread bundle and its V8 code cache (a Node
      // that rejects the cache compiles the bundle and makes its own).
      const stray = entries.filter((e) => !/^package\/(package\.json|README\.md|LICENSE|dist\/.+\.(js|cjs|cjs\.cache|d\.ts|mjs|wasm|json))$/.test(e) || /\.test\.|__tests__/.test(e));
      expect(stray, name).toEqual([]);
      expect(entries, name).toContain('package/dist/index.js');
      expect(entries, name).toContain('package/dist/index.d.ts');
      // Apache-2.0 asks that a copy of the license goes with every distribution: pnpm pack takes the
      // workspace's LICENSE into each tarball.
      expect(entries, name).toContain('package/LICENSE');
    }
  });

  it('installed declarations name built files (./x.js), never sources', () => {
    for (const name of tarballs.keys()) {
      const dist = join(app, 'node_modules', name, 'dist');
      const dts = (readdirSync(dist, { recursive: true }) as string[]).filter((f) => f.endsWith('.d.ts'));
      expect(dts.length, name).toBeGreaterThan(0);
      for (const f of dts) expect(readFileSync(join(dist, f), 'utf8'), `${name}/${f}`).not.toMatch(/(from|import)\s*\(?\s*['"]\.{1,2}\/[^'"]+\.ts['"]/);
    }
  });

  it('installed manifests: no dev tools in dependencies, no workspace ranges, exports without the source condition', () => {
    expect(existsSync(join(app, 'node_modules', 'tsx')), 'tsx is installed').toBe(false);
    for (const name of tarballs.keys()) {
      const pj = JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8'));
      const deps: Record<string, string> = pj.dependencies ?? {};
      expect(Object.keys(deps).filter((d) => DEV_TOOLS.test(d)), name).toEqual([]);
      expect(Object.values(deps).filter((v) => v.startsWith('workspace:')), name).toEqual([]);
      expect(pj.private, name).toBeUndefined();
      expect(pj.version, name).toMatch(/^0\.\d+\.\d+$/);
      expect(pj.engines?.node, name).toBe('>=20.19');
      expect(JSON.stringify(pj.exports), name).not.toContain('src/');
      for (const cond of Object.values(pj.exports as Record<string, Record<string, string>>)) {
        expect(Object.keys(cond), name).toEqual(['types', 'default']);
      }
    }
  });

  it('a consumer type-checks with tsc (node16 and bundler resolution) against the installed declarations', () => {
    const tsc = createRequire(join(repo, 'package.json')).resolve('typescript/bin/tsc');
    let out = '';
    try {
      out = run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
    } catch (e) {
      throw new Error(`tsc failed:\n${(e as { stdout?: string }).stdout ?? String(e)}`);
    }
    expect(out).toBe('');
    expect(existsSync(join(app, 'out', 'secure-mean.js'))).toBe(true);
    // The same sources under bundler resolution (what Vite/esbuild-based projects use).
    try {
      out = run(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit', '--module', 'preserve', '--moduleResolution', 'bundler'], app);
    } catch (e) {
      throw new Error(`tsc (bundler) failed:\n${(e as { stdout?: string }).stdout ?? String(e)}`);
    }
    expect(out).toBe('');
  });

  it('runs the secure-mean example with plain node (threads start from the installed dist)', () => {
    const out = run(process.execPath, ['out/secure-mean.js'], app);
    const m = /secure mean (\S+)\s+plaintext (\S+)/.exec(out);
    expect(m, out).not.toBeNull();
    const plain = [52_000, 61_500, 48_250, 75_000, 58_900, 66_000, 49_800, 71_200, 57_300].reduce((x, y) => x + y) / 9;
    expect(Number(m![2])).toBeCloseTo(plain, 2);
    // FM128 with 26 fractional bits: the example states an error of at most ~0.005.
    expect(Math.abs(Number(m![1]) - plain)).toBeLessThan(0.01);
  });

  it('runs a two-party PSI through the library API', () => {
    const got = JSON.parse(run(process.execPath, ['out/psi.js'], app)) as { alice: string[]; bob: string[] };
    const alice = Array.from({ length: 60 }, (_, i) => `id-${i * 2}`);
    const bob = new Set(Array.from({ length: 45 }, (_, i) => `id-${i * 3}`));
    const want = alice.filter((k) => bob.has(k)); // multiples of 6 below 120
    expect(want).toHaveLength(20);
    expect(got.alice).toEqual(want);
    expect([...got.bob].sort()).toEqual([...want].sort());
  });

  it('sends a task with the Celery client and reads its result from Redis', () => {
    const id = randomUUID();
    const queue = `sfw-embed-${id}`;
    const prefix = `sfwembed:${id}:`;
    try {
      const got = JSON.parse(run(process.execPath, ['out/celery.js', REDIS_URL, queue, prefix], app)) as { id: string; value: unknown };
      expect(got.value).toBe(42);
      // The durable record the client read.
      const meta = run(process.execPath, ['--input-type=module', '-e',
        `import { Redis } from 'ioredis'; const r = new Redis(${JSON.stringify(REDIS_URL)}); ` +
        `const k = 'celery-task-meta-' + ${JSON.stringify(got.id)}; process.stdout.write((await r.get(k)) ?? 'null'); await r.del(k); await r.quit();`], app);
      expect(JSON.parse(meta)).toMatchObject({ status: 'SUCCESS', result: 42, task_id: got.id });
    } finally {
      run(process.execPath, ['--input-type=module', '-e',
        `import { Redis } from 'ioredis'; const r = new Redis(${JSON.stringify(REDIS_URL)}); ` +
        `const ks = await r.keys(${JSON.stringify(`${prefix}*`)}); if (ks.length) await r.del(...ks); await r.quit();`], app);
    }
  });
});
