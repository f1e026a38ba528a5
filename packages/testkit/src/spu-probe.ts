// Source text for child processes that check a built cluster end to end: the same SEMI2K product
// checked against plaintext in every test that starts a built package in a fresh `node` (the child
// runs plain JavaScript, so the probe is text spliced into its script, not a function).

/** Values of `builtin.pattern` (runtime builtins): `(((i + offset) * 7919) % 2000) / 1000 - 1`, in [-1, 1). */
const PATTERN_SOURCE = '(o) => Array.from({ length: n }, (_, i) => (((i + o) * 7919) % 2000) / 1000 - 1)';

export interface SpuMulProbeOptions {
  /** Name of the variable holding the started cluster in the child script (default `c`). */
  readonly cluster?: string;
  /** Name of the constant the probe declares with the largest absolute error (default `worst`). */
  readonly result?: string;
  /** Elements of each operand (default 1000). */
  readonly size?: number;
}

/**
 * Statements (ES module, top-level await) that have alice and bob each share a `builtin.pattern`
 * vector (offsets 0 and 7) to the cluster's SPU, multiply them with `builtin.mul`, reveal the product
 * and declare `const <result>`: the largest absolute difference from the plaintext product. The
 * cluster must be inside a task. With FM64 and 18 fraction bits the error stays below 1e-4.
 */
export function spuMulProbeSource(opts: SpuMulProbeOptions = {}): string {
  const c = opts.cluster ?? 'c';
  const result = opts.result ?? 'worst';
  const n = opts.size ?? 1000;
  return `const ${result} = await (async () => {
  const n = ${n};
  const s = ${c}.spu();
  const x = ${c}.pyu('alice').call('builtin.pattern', [n], 0).to(s);
  const y = ${c}.pyu('bob').call('builtin.pattern', [n], 7).to(s);
  const [z] = s.run('builtin.mul', [x, y]);
  const got = (await ${c}.get(z)).data;
  const pat = ${PATTERN_SOURCE};
  const [a, b] = [pat(0), pat(7)];
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i] - a[i] * b[i]));
  return worst;
})();`;
}
