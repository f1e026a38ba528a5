// `@sfw/runtime/device`: what a device module needs, without the driver-side Cluster. Device modules
// are imported by every cluster thread; importing this light entry instead of `@sfw/runtime` keeps
// thread start-up from loading the driver code (cluster, handles, comlink) once more per thread.
export {
  defineDeviceModule,
  deviceModuleUrl,
  type DeviceModule,
  type DeviceModuleSpec,
  type PyuFunction,
  type SpuProgram,
} from './module.ts';
export type { PyuContext } from './context.ts';
export type { PlainTensor } from './tensor.ts';
export type { SpuConfig, SpuContext, SecretTensor } from './spu-backend.ts';
