// The runs behind `pnpm bench psi` (suites/psi.ts): the full two-party
// PSI job (CSV in, aligned CSVs out) in one process over an in-memory link, and OpenMined psi.js
// (WASM, P-256 ECDH, the "20x per element" reference) on the same key sets.
// Keys are public synthetic ids (a seeded LCG, not a CSPRNG: they are test data, not secrets).
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultX25519Backend, memoryLinkPair, runPsiParty } from '@sfw/jobs-psi';
import type { PartyPlan, PsiLink } from '@sfw/jobs-psi';

/** n keys per side, the first n/2 shared: 50% overlap. */
export function syntheticKeySets(n: number, seed = 1): { a: string[]; b: string[] } {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s.toString(16).padStart(8, '0');
  };
  const id = (i: number) => `id-${next()}${next()}-${i}`;
  const common = Array.from({ length: n >> 1 }, (_, i) => id(i));
  const a = [...common, ...Array.from({ length: n - common.length }, (_, i) => id(n + i))];
  const b = [...common, ...Array.from({ length: n - common.length }, (_, i) => id(2 * n + i))];
  return { a, b };
}

export interface EcdhBenchResult {
  n: number;
  ms: number;
  intersection: number;
  bytes_sent: number;
  threads_per_party: number;
  x25519_backend: string;
}

/** One full run at n keys per side; checks the intersection size (n/2) before reporting. */
export async function benchEcdhPsi(n: number, threadsPerParty?: number): Promise<EcdhBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sfw-psi-bench-'));
  try {
    const { a, b } = syntheticKeySets(n);
    const write = (p: string, keys: string[]) => writeFileSync(p, 'id,v\n' + keys.map((k, i) => `${k},${i}`).join('\n') + '\n');
    write(join(dir, 'a.csv'), a);
    write(join(dir, 'b.csv'), b);
    const [la, lb] = memoryLinkPair();
    let bytes = 0;
    const count = (l: PsiLink): PsiLink => ({ send: (d) => ((bytes += d.length), l.send(d)), recv: () => l.recv() });
    const plan = (self: 'alice' | 'bob'): PartyPlan => ({
      self, peer: self === 'alice' ? 'bob' : 'alice', selfIsDs1: self === 'alice',
      path: join(dir, self === 'alice' ? 'a.csv' : 'b.csv'), keys: ['id'],
      ownKeysDuplicated: true, peerKeysDuplicated: true, joinType: 'inner_join', leftSide: null,
      selfReceives: true, peerReceives: true, sortResult: true, allowEmptyResult: false,
      outputPath: join(dir, `${self}.out.csv`), bucketSize: 1 << 20, batchSize: 4096,
      ...(threadsPerParty === undefined ? {} : { threads: threadsPerParty }),
    });
    const t0 = performance.now();
    const [ra, rb] = await Promise.all([
      runPsiParty({ link: count(la), taskDir: dir }, plan('alice')),
      runPsiParty({ link: count(lb), taskDir: dir }, plan('bob')),
    ]);
    const ms = performance.now() - t0;
    if (ra.intersection_count !== n >> 1 || rb.intersection_count !== n >> 1) {
      throw new Error(`benchmark check failed: intersection ${ra.intersection_count}/${rb.intersection_count}, expected ${n >> 1}`);
    }
    return { n, ms, intersection: ra.intersection_count, bytes_sent: bytes, threads_per_party: threadsPerParty ?? -1, x25519_backend: defaultX25519Backend() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface OpenMinedPsi {
  server: { createWithNewKey(reveal: boolean): OmServer };
  client: { createWithNewKey(reveal: boolean): OmClient };
  request: { deserializeBinary(b: Uint8Array): unknown };
  response: { deserializeBinary(b: Uint8Array): unknown };
  serverSetup: { deserializeBinary(b: Uint8Array): unknown };
}
interface OmServer {
  createSetupMessage(fpr: number, nClient: number, inputs: string[]): { serializeBinary(): Uint8Array };
  processRequest(req: unknown): { serializeBinary(): Uint8Array };
  delete(): void;
}
interface OmClient {
  createRequest(inputs: string[]): { serializeBinary(): Uint8Array };
  getIntersection(setup: unknown, resp: unknown): number[];
  delete(): void;
}

/**
 * OpenMined psi.js at n vs n (both roles in this process, one thread), revealing the
 * intersection, fpr 1e-6 (1e-9 fails at 100k, perf-anchors §3). null if the package is missing.
 */
export async function benchOpenMinedPsi(n: number): Promise<{ n: number; ms: number; intersection: number } | null> {
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)('@openmined/psi.js');
  } catch {
    return null;
  }
  // The package's export is an async factory (it instantiates the WASM module).
  const psi = await (mod as () => Promise<OpenMinedPsi>)();
  const { a, b } = syntheticKeySets(n);
  const t0 = performance.now();
  const server = psi.server.createWithNewKey(true);
  const client = psi.client.createWithNewKey(true);
  const setup = server.createSetupMessage(1e-6, n, a).serializeBinary();
  const req = client.createRequest(b).serializeBinary();
  const resp = server.processRequest(psi.request.deserializeBinary(req)).serializeBinary();
  const inter = client.getIntersection(psi.serverSetup.deserializeBinary(setup), psi.response.deserializeBinary(resp));
  const ms = performance.now() - t0;
  server.delete();
  client.delete();
  return { n, ms, intersection: inter.length };
}
