// Installs the fixed-mask products on SpuContext (module augmentation + prototype assignment, as
// nonlinear/install.ts does, so the arithmetic layer's files stay untouched). Each method is one
// serialised op; SEMI2K uses the dealer correlations of correlations.ts, REF2K the plain product.
import { SpuContext } from '../context.ts';
import type { SecretTensor } from '../secret-tensor.ts';
import { fixedMaskA, fixedMaskRef, maskedMatvecTrunc, releaseA } from './kernels.ts';
import { MaskedMatrix, maskedState } from './masked-matrix.ts';

/** Rows [start, end) of the masked matrix. */
export type RowRange = readonly [start: number, end: number];

declare module '../context.ts' {
  interface SpuContext {
    /**
     * Masks a secret matrix X once (SecureML section 4.1): opens E = X - U for a dealer-held uniform
     * U. The result serves any number of maskedMatmul / maskedMatmulT calls on row ranges of X,
     * in this context or later ones on the same cluster. 1 round, (N-1) n d elements per rank.
     */
    fixedMask(x: SecretTensor): Promise<MaskedMatrix>;
    /**
     * Fixed point X[rows] . w / 2^shift, w a secret [d, 1]; result [b, 1]. 2 rounds, (N-1)(d + b)
     * elements. `shift` (default 0, at most 16) costs nothing: it joins the one truncation.
     */
    maskedMatmul(m: MaskedMatrix, rows: RowRange, w: SecretTensor, shift?: number): Promise<SecretTensor>;
    /** Fixed point X[rows]^T . r / 2^shift, r a secret [b, 1]; result [d, 1]. 2 rounds, (N-1)(b + d) elements. */
    maskedMatmulT(m: MaskedMatrix, rows: RowRange, r: SecretTensor, shift?: number): Promise<SecretTensor>;
    /** Drops the dealer's copy of U and this handle's buffers. The handle is unusable afterwards. */
    releaseMasked(m: MaskedMatrix): Promise<void>;
  }
}

const P = SpuContext.prototype;

P.fixedMask = function fixedMask(this: SpuContext, x: SecretTensor): Promise<MaskedMatrix> {
  return this.serial(async () => {
    const share = this.unwrap(x);
    return new MaskedMatrix(this.kernels.name === 'REF2K' ? fixedMaskRef(share) : await fixedMaskA(this.env, share));
  });
};

P.maskedMatmul = function maskedMatmul(this: SpuContext, m: MaskedMatrix, rows: RowRange, w: SecretTensor, shift = 0): Promise<SecretTensor> {
  return this.serial(async () => this.wrap(await maskedMatvecTrunc(this.env, this.kernels, maskedState(m), rows[0], rows[1], this.unwrap(w), 'right', shift)));
};

P.maskedMatmulT = function maskedMatmulT(this: SpuContext, m: MaskedMatrix, rows: RowRange, r: SecretTensor, shift = 0): Promise<SecretTensor> {
  return this.serial(async () => this.wrap(await maskedMatvecTrunc(this.env, this.kernels, maskedState(m), rows[0], rows[1], this.unwrap(r), 'left', shift)));
};

P.releaseMasked = function releaseMasked(this: SpuContext, m: MaskedMatrix): Promise<void> {
  return this.serial(async () => {
    const s = maskedState(m);
    s.released = true;
    if (this.kernels.name !== 'REF2K') await releaseA(this.env, s);
  });
};
