// Namespaces for the WAN bench: hosts in separate network namespaces reach each other only over their
// veth link, and `close` removes every namespace (and so every veth) it made. Needs root and iproute2;
// skipped cleanly without them. Names carry this process's id, so parallel runs do not collide.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sweepStaleNetns, tryNetns } from './netns.ts';

const canRun = ((): boolean => {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Run `argv`; resolves with its stdout at exit. `ready` resolves at its first line of output. */
function run(argv: string[]): { ready: Promise<void>; done: Promise<string>; kill(): void } {
  const c = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let up!: () => void;
  const ready = new Promise<void>((r) => (up = r));
  c.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    up();
  });
  const done = new Promise<string>((resolve, reject) => c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${String(code)}`)))));
  return { ready, done, kill: () => void c.kill('SIGKILL') };
}

describe.skipIf(!canRun)('network namespaces for the WAN bench', () => {
  it('joins two hosts by a veth link only, and removes everything on close', async () => {
    const tag = `t${process.pid}`;
    const made = tryNetns(['a', 'b'], tag);
    if (!('topology' in made)) throw new Error(made.reason);
    const topo = made.topology;
    let server: ReturnType<typeof run> | undefined;
    try {
      const target = topo.addressOf('a', 'b');
      expect(target).toMatch(/^198\.18\.\d+\.1$/);
      // A one-shot TCP echo in `a`, reached from `b` over the veth address.
      server = run([...topo.exec('a'), process.execPath, '-e',
        `const s=require('net').createServer(c=>{c.pipe(c);c.on('end',()=>s.close())});s.listen(7070,'${target}',()=>console.log('up'))`]);
      await server.ready;
      const client = `const c=require('net').connect(7070,'${target}',()=>c.end('over-veth'));let o='';c.on('data',d=>o+=d);c.on('end',()=>console.log(o))`;
      expect((await run([...topo.exec('b'), process.execPath, '-e', client]).done).trim()).toBe('over-veth');
      await server.done;
    } finally {
      server?.kill();
      topo.close();
    }
    const left = execFileSync('ip', ['netns', 'list']).toString();
    expect(left).not.toContain(`sfw-${tag}-`);
    expect(execFileSync('ip', ['link']).toString()).not.toContain(`sv${tag}`);
  });

  it('a new run removes the namespaces of a run that was killed, and only those', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    if (dead === undefined) throw new Error('no pid');
    const stale = `sfw-t${dead}-x`;
    const live = `sfw-t${process.pid}-y`;
    execFileSync('ip', ['netns', 'add', stale]);
    execFileSync('ip', ['netns', 'add', live]);
    try {
      expect(sweepStaleNetns()).toContain(stale);
      const left = execFileSync('ip', ['netns', 'list']).toString();
      expect(left).not.toContain(stale);
      expect(left).toContain(live);
    } finally {
      for (const n of [stale, live]) spawnSync('ip', ['netns', 'del', n]);
    }
  });
});
