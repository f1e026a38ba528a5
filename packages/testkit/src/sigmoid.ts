// Float64 versions of SecretFlow's sigmoid approximations (secretflow/utils/sigmoid.py), the
// plaintext side of every SS-LR accuracy test. Each secure sigmoid is compared against these.

export type SigType = 't1' | 't3' | 't5' | 'df' | 'sr' | 'mix' | 'real';
export const SIG_TYPES: readonly SigType[] = ['t1', 't3', 't5', 'df', 'sr', 'mix', 'real'];

const clip01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Taylor series around 0 (Dahl 2017, "private deep learning with MPC"), limited as SecretFlow does. */
const t1Raw = (x: number): number => 0.5 + 0.25 * x;
const t3Raw = (x: number): number => t1Raw(x) - (x * x * x) / 48;
const t5Raw = (x: number): number => t3Raw(x) + (x * x * x * x * x) / 480;
const srSig = (x: number): number => 0.5 * (x / Math.sqrt(1 + x * x)) + 0.5;
/** Least-squares 7th-order polynomial on [-4, 4] (coefficients from SecretFlow's ls7_sig). */
const LS7 = [
  5.00052959e-1, 2.3517626e-1, -3.97212202e-5, -1.23407424e-2, 4.04588962e-6, 3.94330487e-4, -9.74060972e-8,
  -4.74674505e-6,
];
function ls7(x: number): number {
  let acc = 0;
  for (let k = LS7.length - 1; k >= 0; k--) acc = acc * x + LS7[k]!;
  return acc;
}

export function sigmoidRef(x: number, type: SigType): number {
  switch (type) {
    case 't1':
      return clip01(t1Raw(x));
    case 't3':
      // t3 is limited by the input range, not the output: 0 below -2, 1 above 2.
      return x < -2 ? 0 : x > 2 ? 1 : t3Raw(x);
    case 't5':
      return clip01(t5Raw(x));
    case 'df':
      return 0.5 * (x / (1 + Math.abs(x))) + 0.5;
    case 'sr':
      return srSig(x);
    case 'mix':
      return x < -4 || x > 4 ? srSig(x) : ls7(x);
    case 'real':
      return 1 / (1 + Math.exp(-x));
  }
}
