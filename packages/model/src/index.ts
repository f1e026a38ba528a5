// @sfw/model: what several jobs agree on about a vertically split model: which party holds which
// feature columns (the layout, from public headers), and the model files (each SPU party's share
// file, the public SS-SGD meta, each party's private scaler). A model written by one job is read
// by another (ss_lr_train -> ss_lr_predict, ss_pvalue), so the format lives below both.
export { checkParties, resolveLayout } from './layout.ts';
export type { DataLayout, HeaderInfo, PartyBlock } from './layout.ts';
export {
  MODEL_META_FILE, modelMetaSchema, readModelMeta, writeModelMeta, shareFileName, scalerFileName, readShareFile, writeShareFile, writeAtomic, readScaler,
} from './files.ts';
export type { ModelMeta, Scaler } from './files.ts';
