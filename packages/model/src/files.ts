// The model files alone, for device modules: this entry point does not load the executor (the
// layout's validation errors come from it), so a cluster thread stays light.
export {
  MODEL_META_FILE, modelMetaSchema, readModelMeta, writeModelMeta, shareFileName, scalerFileName, readShareFile, writeShareFile, writeAtomic,
} from './model-store.ts';
export type { ModelMeta } from './model-store.ts';
export { readScaler } from './scaler.ts';
export type { Scaler } from './scaler.ts';
