// Test helpers: CSV generation, a plaintext reference join (written independently of the PSI
// code: no hashing, no buckets, plain string maps), and a two-party runner over an in-memory link.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from '@sfw/runtime';
import { directJobContext } from '@sfw/executor/testing';
import type { JobContext } from '@sfw/executor';
import { memoryLinkPair } from '../link.ts';
import type { PsiLink } from '../link.ts';
import { runPsiParty } from '../party.ts';
import type { JoinType, PartyPlan, PsiPartyReport } from '../plan.ts';
import type { PsiProtocol } from '../core.ts';

const made: string[] = [];

/** A fresh temporary directory, removed by `removeTempDirs` (each test file calls it in `afterAll`). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sfw-psi-test-'));
  made.push(dir);
  return dir;
}

/** Removes every directory `tempDir` made so far. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes a CSV with the given header and rows; fields must not need quoting. */
export function writeCsv(path: string, header: string[], rows: string[][]): void {
  writeFileSync(path, [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
}

export interface RefSide {
  header: string[];
  rows: string[][];
  keys: string[];
}

/** Plaintext join with SecretFlow semantics; returns each party's expected output lines. */
export function plaintextJoin(
  ds1: RefSide,
  ds2: RefSide,
  joinType: JoinType,
  leftIsDs1: boolean,
): { out1: string[]; out2: string[] } {
  const keyOf = (s: RefSide, r: string[]) => {
    const vals = s.keys.map((k) => r[s.header.indexOf(k)]!);
    return vals.length === 1 ? vals[0]! : JSON.stringify(vals);
  };
  const group = (s: RefSide) => {
    const m = new Map<string, string[]>();
    for (const r of s.rows) {
      const k = keyOf(s, r);
      m.set(k, [...(m.get(k) ?? []), r.join(',')]);
    }
    return m;
  };
  const g1 = group(ds1);
  const g2 = group(ds2);
  const sorted = (ks: Iterable<string>) => [...ks].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const common = sorted([...g1.keys()].filter((k) => g2.has(k)));
  const only1 = sorted([...g1.keys()].filter((k) => !g2.has(k))).flatMap((k) => g1.get(k)!);
  const only2 = sorted([...g2.keys()].filter((k) => !g1.has(k))).flatMap((k) => g2.get(k)!);
  const null1 = ','.repeat(ds1.header.length - 1);
  const null2 = ','.repeat(ds2.header.length - 1);
  const out1: string[] = [];
  const out2: string[] = [];
  if (joinType !== 'difference') {
    for (const k of common) {
      for (const a of g1.get(k)!) {
        for (const b of g2.get(k)!) {
          out1.push(a);
          out2.push(b);
        }
      }
    }
  }
  if (joinType === 'left_join' && leftIsDs1) {
    out1.push(...only1);
    out2.push(...only1.map(() => null2));
  } else if (joinType === 'left_join') {
    out1.push(...only2.map(() => null1));
    out2.push(...only2);
  } else if (joinType === 'full_join') {
    out1.push(...only1, ...only2.map(() => null1));
    out2.push(...only1.map(() => null2), ...only2);
  } else if (joinType === 'difference') {
    out1.push(...only1);
    out2.push(...only2);
  }
  return { out1, out2 };
}

/** A CSV written by `writeCsv` (no quoting) read back as a reference side. */
export function readCsvSide(path: string, keys: string[]): RefSide {
  const [h, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  return { header: h!.split(','), rows: rows.map((r) => r.split(',')), keys };
}

/** The JobContext the psi task needs on a test cluster (two parties, progress recorded). */
export function psiJobContext(cluster: Cluster, workDir: string, progress: number[]): JobContext {
  return directJobContext({
    cluster, taskRequestId: 't', parties: ['alice', 'bob'], spuParties: [], signal: new AbortController().signal,
    progress: (p: number) => progress.push(p), workDir, attempt: 0,
    spu: { protocol: 'SEMI2K', field: 'FM64', fxpFractionBits: 18, beaverType: 'TTP' },
  });
}

/** Data lines of an output CSV (header dropped). */
export function readOutput(path: string): string[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(1);
}

export interface TwoPartyOptions {
  joinType?: JoinType;
  leftSide?: 'alice' | 'bob';
  receivers?: ('alice' | 'bob')[];
  sortResult?: boolean;
  allowEmptyResult?: boolean;
  dup1?: boolean;
  dup2?: boolean;
  bucketSize?: number;
  batchSize?: number;
  threads?: number;
  protocol?: PsiProtocol;
  wrapLink?: (party: string, l: PsiLink) => PsiLink;
}

/** Runs alice (ds1) and bob (ds2) concurrently over an in-memory link. */
export async function runTwoParties(
  dir: string,
  alice: { path: string; keys: string[] },
  bob: { path: string; keys: string[] },
  o: TwoPartyOptions = {},
): Promise<{ reports: PsiPartyReport[]; out: { alice: string; bob: string } }> {
  const [la, lb] = memoryLinkPair();
  const receivers = o.receivers ?? ['alice', 'bob'];
  const out = { alice: join(dir, 'alice.out.csv'), bob: join(dir, 'bob.out.csv') };
  const base = {
    joinType: o.joinType ?? 'inner_join',
    leftSide: o.leftSide ?? 'alice',
    sortResult: o.sortResult ?? true,
    allowEmptyResult: o.allowEmptyResult ?? false,
    bucketSize: o.bucketSize ?? 1 << 20,
    batchSize: o.batchSize ?? 64,
    threads: o.threads ?? 0,
    protocol: o.protocol ?? 'ecdh',
  } as const;
  const plan = (self: 'alice' | 'bob'): PartyPlan => {
    const peer = self === 'alice' ? 'bob' : 'alice';
    const input = self === 'alice' ? alice : bob;
    return {
      ...base,
      self,
      peer,
      selfIsDs1: self === 'alice',
      path: input.path,
      keys: input.keys,
      ownKeysDuplicated: self === 'alice' ? (o.dup1 ?? true) : (o.dup2 ?? true),
      peerKeysDuplicated: self === 'alice' ? (o.dup2 ?? true) : (o.dup1 ?? true),
      selfReceives: receivers.includes(self),
      peerReceives: receivers.includes(peer),
      outputPath: receivers.includes(self) ? out[self] : null,
    };
  };
  const wrap = o.wrapLink ?? ((_p: string, l: PsiLink) => l);
  const reports = await Promise.all([
    runPsiParty({ link: wrap('alice', la), taskDir: dir }, plan('alice')),
    runPsiParty({ link: wrap('bob', lb), taskDir: dir }, plan('bob')),
  ]);
  return { reports, out };
}

/** Small seeded PRNG for test data only (never for protocol randomness). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
