import { it } from 'vitest';
import { decode, encode } from '@sfw/ring';
import { resolveConfig } from '../config.ts';
import { cfgOf, runFloat } from '../__tests__/nl-testutil.ts';

function spread(n: number, lo: number, hi: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const u = s / 2147483648;
    out.push(Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))));
  }
  return out;
}
it.each([['SEMI2K', 'FM64', 0], ['REF2K', 'FM64', 0], ['SEMI2K', 'FM128', 0], ['REF2K', 'FM128', 0], ['SEMI2K', 'FM128', 40]] as const)('log sweep %s %s %i', async (proto, field, fxp) => {
  const cfg = cfgOf(proto, field, fxp);
  const f = resolveConfig(cfg).fxpBits;
  const ulp = 2 ** -f;
  const big = Math.min(1e15, 0.9 * 2 ** ((field === 'FM64' ? 64 : 128) - 2 - 2 * f));
  const xs0 = [...spread(4000, 16 * ulp, big, 9), 1, 2, 0.5, 16 * ulp, big, 1 + ulp, 2 - ulp];
  const xs = decode(encode(Float64Array.from(xs0), field, f), f);
  const { out } = await runFloat(cfg, 2, [{ values: xs, shape: [xs.length] }], (c, [a]) => c.log(a!));
  let worst = 0;
  for (let i = 0; i < xs.length; i++) worst = Math.max(worst, Math.abs(out[i]! - Math.log(xs[i]!)));
  const atol = field === 'FM64' ? 2e-5 : 2e-7;
  console.log(`LOGSWEEP ${proto} ${field} f=${f} n=${xs.length} max abs ${worst.toExponential(2)} err/bound ${(worst / atol).toFixed(2)}`);
}, 600000);
