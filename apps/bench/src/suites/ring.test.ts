// The ring suite in quick mode emits well-formed records for every advertised case.
import { describe, expect, it } from 'vitest';
import suite from './ring.ts';
import type { BenchRecord } from '../suite.ts';

describe('ring suite', () => {
  it('quick run emits the advertised cases with timings', async () => {
    const recs: BenchRecord[] = [];
    await suite.run({ quick: true, emit: (r) => recs.push(r) });
    const cases = new Set(recs.map((r) => r.case));
    for (const c of ['add', 'mul', 'mul-add', 'mul-add.arena', 'shr', 'encode', 'decode', 'prg-fill', 'matmul', 'mul-add.js-bigint']) expect(cases).toContain(c);
    expect(cases.has('mul-add.native-c') || recs.some((r) => r.note !== undefined)).toBe(true);
    for (const r of recs.filter((x) => x.case !== 'native-c')) {
      expect(r.suite).toBe('ring');
      expect(['FM64', 'FM128']).toContain(r.field);
      expect(r.n).toBeGreaterThan(0);
      expect(r.median_ms).toBeGreaterThanOrEqual(0);
      expect(r.reps).toBeGreaterThan(0);
    }
  }, 60_000);
});
