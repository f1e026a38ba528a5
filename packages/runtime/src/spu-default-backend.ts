// Default SpuBackend: SEMI2K / REF2K from @sfw/spu. Loaded by URL in the threads (and in the driver
// for `cluster.get(spuObj)`) so that the rest of the runtime depends only on the SpuBackend interface.
import { createSpuContext, exportShare, importShare, makeShares, reconstruct, serveDealer, SecretTensor, SpuContext } from '@sfw/spu';
import type { SpuBackend } from './spu-backend.ts';

const backend: SpuBackend = {
  createSpuContext,
  closeContext: (ctx) => {
    if (ctx instanceof SpuContext) ctx.close();
  },
  serveDealer,
  makeShares: (cfg, values, shape, n) => makeShares(cfg, values as Parameters<typeof makeShares>[1], shape, n),
  reconstruct,
  importShare,
  exportShare: (t) => {
    if (!(t instanceof SecretTensor)) throw new TypeError('an SPU program output is not a SecretTensor');
    return { share: exportShare(t), shape: t.shape };
  },
};

export default backend;
