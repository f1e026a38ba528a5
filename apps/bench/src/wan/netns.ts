// Hosts of the WAN bench in network namespaces of their own: one namespace per host, and one veth
// pair per pair of hosts (its own /30), so every cross-host byte crosses a kernel network link between
// separate network stacks rather than loopback. Addresses come from 198.18.0.0/15, the range set
// aside for benchmarking (RFC 2544); they exist only inside the namespaces made here, so nothing is
// reachable beyond them. Everything made is removed by `close`, and by exit and signal handlers in
// case the bench dies first. Needs root and iproute2; `tryNetns` says why not when they are missing.
import { execFileSync } from 'node:child_process';

export interface NetnsTopology {
  readonly hosts: readonly string[];
  /** argv prefix that runs a command inside `host`'s namespace. */
  exec(host: string): string[];
  /** The address of `host` as seen from `from` (the far end of their veth pair). */
  addressOf(host: string, from: string): string;
  close(): void;
}

const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes namespaces that an earlier run of this bench left behind when it was killed with no
 * chance to run its handlers (SIGKILL, a machine that went down): names are
 * `sfw-[t]<pid>-<host>`, and only those whose process is gone are removed. Returns their names.
 */
export function sweepStaleNetns(): string[] {
  let list: string;
  try {
    list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return [];
  }
  const gone: string[] = [];
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = /^sfw-t?(\d+)-[A-Za-z0-9]+$/.exec(name);
    if (m === null || pidAlive(Number(m[1]))) continue;
    try {
      ip('netns', 'del', name);
      gone.push(name);
    } catch {
      // removed meanwhile
    }
  }
  return gone;
}

/**
 * Make one namespace per host (names carry `tag`, unique per run) joined pairwise by veth links, or
 * say why that is not possible here.
 */
export function tryNetns(hosts: readonly string[], tag: string): { topology: NetnsTopology } | { reason: string } {
  if (process.getuid?.() !== 0) return { reason: 'not root: network namespaces need CAP_SYS_ADMIN' };
  sweepStaleNetns();
  const ns = new Map(hosts.map((h) => [h, `sfw-${tag}-${h}`]));
  const addr = new Map<string, string>();
  const made: string[] = [];
  const close = (): void => {
    for (const n of made.splice(0)) {
      try {
        ip('netns', 'del', n); // removes the veth ends inside it, and so their peers
      } catch {
        // already gone
      }
    }
    process.off('exit', close);
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.off(s, onSignal);
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    close();
    process.kill(process.pid, sig);
  };
  process.on('exit', close);
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, onSignal);
  try {
    for (const n of ns.values()) {
      ip('netns', 'add', n);
      made.push(n);
      ip('-n', n, 'link', 'set', 'lo', 'up');
    }
    let k = 0;
    for (let i = 0; i < hosts.length; i++) {
      for (let j = i + 1; j < hosts.length; j++, k++) {
        const [a, b] = [hosts[i]!, hosts[j]!];
        const [va, vb] = [`sv${tag}${k}a`.slice(-15), `sv${tag}${k}b`.slice(-15)];
        ip('link', 'add', va, 'netns', ns.get(a)!, 'type', 'veth', 'peer', 'name', vb, 'netns', ns.get(b)!);
        for (const [h, v, host] of [[a, va, 1], [b, vb, 2]] as const) {
          ip('-n', ns.get(h)!, 'addr', 'add', `198.18.${k}.${host}/30`, 'dev', v);
          ip('-n', ns.get(h)!, 'link', 'set', v, 'up');
        }
        addr.set(`${a}\u0000${b}`, `198.18.${k}.1`);
        addr.set(`${b}\u0000${a}`, `198.18.${k}.2`);
      }
    }
  } catch (err) {
    close();
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return { reason: `network namespaces not available here (${stderr || (err as Error).message})` };
  }
  return {
    topology: {
      hosts,
      exec: (host) => ['ip', 'netns', 'exec', ns.get(host)!],
      addressOf: (host, from) => addr.get(`${host}\u0000${from}`)!,
      close,
    },
  };
}
