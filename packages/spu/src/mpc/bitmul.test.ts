// bitMulA (a boolean-shared bit times an arithmetic value in one round) against BigInt: exact in the
// ring for b = 0 and 1, negative and extreme values, public shifts, bits that are XORs of blocks,
// 2 and 3 parties, FM64 and FM128,
// the bits from a real comparison (msbOffsetsB) and REF2K's plaintext path giving the same results.
import { describe, expect, it } from 'vitest';
import { FIELD_BITS, Prg, fromBigInts, toBigInts, type FieldType, type RingTensor } from '@sfw/ring';
import { runLocal } from '../simulation.ts';
import { cfgOf } from '../__tests__/nl-testutil.ts';
import { ref2kNl, semi2kNl } from './nonlinear.ts';

/** Additive shares of `vals` over `parties` ranks (seeded test randomness; shares only need to add up). */
function share(field: FieldType, vals: readonly bigint[], parties: number, prg: Prg): RingTensor[] {
  const k = FIELD_BITS[field];
  const rest = Array.from({ length: parties - 1 }, () => prg.fillRing(field, vals.length));
  const first = vals.map((v, i) => BigInt.asUintN(k, rest.reduce((s, t) => s - toBigInts(t)[i]!, v)));
  return [fromBigInts(field, first), ...rest];
}

function cases(field: FieldType): { x: bigint[]; v: bigint[] } {
  const k = FIELD_BITS[field];
  const top = 1n << BigInt(k - 1);
  // x decides the bits: [x < 0], [x < 5], [x < -7]; v covers 0, +-1, the extremes and mid values
  const xs = [0n, -1n, 5n, 4n, -7n, -8n, top - 1n, -top, 123456789n, -987654321n];
  const vs = [0n, 1n, -1n, top - 1n, -top, 3n << BigInt(k - 3), -(5n << BigInt(k - 4)), 1n << 40n, -(1n << 40n) + 17n, 42n];
  const x: bigint[] = [], v: bigint[] = [];
  // every x with every v (100 elements: not a multiple of 32, so padding bits are exercised), then
  // some seeded random pairs
  for (const a of xs) for (const b of vs) { x.push(a); v.push(b); }
  const prg = new Prg(new Uint8Array(16).fill(7));
  const rx = toBigInts(prg.fillRing(field, 61), true), rv = toBigInts(prg.fillRing(field, 61), true);
  return { x: [...x, ...rx], v: [...v, ...rv] };
}

const offsets = [0n, 5n, -7n];
const shifts = [0n, -(1n << 50n), 1n << 62n];

describe.each(['FM64', 'FM128'] as const)('bitMulA %s', (field) => {
  const k = FIELD_BITS[field];
  const { x, v } = cases(field);
  const bit = (xi: bigint, j: number): number => (BigInt.asIntN(k, xi - offsets[j]!) < 0n ? 1 : 0);
  const want = (terms: readonly { blocks: readonly number[]; shift: bigint }[]): bigint[][] =>
    terms.map((t) => x.map((xi, i) => (t.blocks.reduce((p, j) => p ^ bit(xi, j), 0) === 1 ? BigInt.asUintN(k, v[i]! + t.shift) : 0n)));
  const termSets = [
    [{ blocks: [0], shift: 0n }],
    offsets.map((_, q) => ({ blocks: [q], shift: shifts[q]! })),
    [{ blocks: [2], shift: shifts[1]! }, { blocks: [0], shift: shifts[2]! }], // a subset, out of order
    [{ blocks: [1, 2], shift: shifts[1]! }, { blocks: [0, 1, 2], shift: 0n }], // XORs of blocks
  ];

  it.each([2, 3])('SEMI2K, %i parties: exact against BigInt', async (parties) => {
    const prg = new Prg(new Uint8Array(16).fill(parties));
    const xs = share(field, x, parties, prg), vs = share(field, v, parties, prg);
    const { results } = await runLocal(cfgOf('SEMI2K', field), parties, async (ctx) => {
      const bits = await semi2kNl.msbOffsetsB(ctx.env, xs[ctx.rank]!, offsets);
      const out: RingTensor[][] = [];
      for (const terms of termSets) out.push(await semi2kNl.bitMulA(ctx.env, bits, vs[ctx.rank]!, terms));
      return out;
    });
    termSets.forEach((terms, s) => {
      const exp = want(terms);
      terms.forEach((_, q) => {
        const got = x.map((_, i) => BigInt.asUintN(k, results.reduce((acc, r) => acc + toBigInts(r[s]![q]!)[i]!, 0n)));
        expect(got).toEqual(exp[q]);
      });
    });
  });

  it('REF2K gives the same values in the clear', async () => {
    const X = fromBigInts(field, x.map((a) => BigInt.asUintN(k, a))), V = fromBigInts(field, v.map((a) => BigInt.asUintN(k, a)));
    const { results } = await runLocal(cfgOf('REF2K', field), 2, async (ctx) => {
      const bits = await ref2kNl.msbOffsetsB(ctx.env, X, offsets);
      return Promise.all(termSets.map((terms) => ref2kNl.bitMulA(ctx.env, bits, V, terms)));
    });
    termSets.forEach((terms, s) => terms.forEach((_, q) => expect(toBigInts(results[0]![s]![q]!)).toEqual(want(terms)[q])));
  });
});

describe.each(['FM64', 'FM128'] as const)('msbOffsetsB with fuzzBits, %s', (field) => {
  // The carry circuit over ring bits j..k-1: [x < o] must be exact wherever x - o is outside
  // [-2^j, 0) (and 2^j away from the ring's ends), and a bit (0 or 1) inside.
  const k = FIELD_BITS[field];
  const top = 1n << BigInt(k - 1);
  it.each([12, 20])('low %i bits: exact outside the fuzzy band, against BigInt', async (j) => {
    const J = 1n << BigInt(j);
    const offs = [0n, -(16n << 18n), (16n << 18n) + 1n];
    const xs: bigint[] = [];
    for (const o of offs) for (const d of [0n, 1n, -1n, J, -J, -J - 1n, J - 1n, -J + 1n, -J / 2n, 3n * J, -3n * J]) xs.push(o + d);
    xs.push(top - J - 1n, -top + J, 0n, 123456789n << 8n, -(987654321n << 8n));
    const prg = new Prg(new Uint8Array(16).fill(j));
    xs.push(...toBigInts(prg.fillRing(field, 200), true).map((v) => BigInt.asIntN(k - 2, v)));
    const ones = xs.map(() => 1n);
    const xsh = share(field, xs, 2, prg), vsh = share(field, ones, 2, prg);
    const { results } = await runLocal(cfgOf('SEMI2K', field), 2, async (ctx) => {
      const bits = await semi2kNl.msbOffsetsB(ctx.env, xsh[ctx.rank]!, offs, j);
      return semi2kNl.bitMulA(ctx.env, bits, vsh[ctx.rank]!, offs.map((_, q) => ({ blocks: [q], shift: 0n })));
    });
    let fuzzy = 0;
    offs.forEach((o, q) => {
      const got = xs.map((_, i) => BigInt.asUintN(k, toBigInts(results[0]![q]!)[i]! + toBigInts(results[1]![q]!)[i]!));
      xs.forEach((xi, i) => {
        const d = BigInt.asIntN(k, xi - o);
        expect(got[i] === 0n || got[i] === 1n).toBe(true);
        if (d >= -J && d < 0n) { fuzzy++; return; }
        if (d >= top - J || d < -top + J) return; // the ring's ends: documented as outside the domain
        expect(got[i]).toBe(d < 0n ? 1n : 0n);
      });
    });
    expect(fuzzy).toBeGreaterThan(0);
  });
});
