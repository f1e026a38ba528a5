// @sfw/runtime: a Cluster of PYU party threads and SPU rank threads (see docs/runtime.md).
export { Cluster, type ClusterOptions, type ThreadResourceLimits } from './cluster.ts';
export { DeviceObject, SpuObject, Pyu, Spu, type RunOptions, type SpuRunStats } from './devices.ts';
export type { ProgressEvent } from './core.ts';
export type { PyuContext } from './context.ts';
export { BUILTIN_MODULE_URL } from './builtins.ts';
export { MALLOC_TUNABLES } from './malloc.ts';
export {
  defineDeviceModule,
  deviceModuleUrl,
  type DeviceModule,
  type DeviceModuleSpec,
  type PyuFunction,
  type SpuProgram,
} from './module.ts';
export { DeviceError, ClusterError, DEVICE_ERROR_CODES, type DeviceErrorCode, type ErrorInfo } from './errors.ts';
export { toPlainTensor, type PlainTensor } from './tensor.ts';
export type { Comm, CommStats } from './comm.ts';
// SPU types jobs program against (jobs import them from here, not from @sfw/spu).
export type { PrivateTensor, SpuBackend, SpuConfig, SpuContext, SecretTensor } from './spu-backend.ts';
export type { ArgmaxOptions, MaskedMatrix, Operand, PrivateMatmulOptions, RowRange, SigmoidType } from '@sfw/spu';
export { SIGMOID_TYPES } from '@sfw/spu';
export {
  MessagePortLink,
  partyEndpoint,
  rankEndpoint,
  DEALER_ENDPOINT,
  driverEndpoint,
  type Link,
  type Frame,
  type LinkStats,
  type EndpointId,
} from './link.ts';
export { Router } from './router.ts';
export type { ThreadState, RunReply } from './protocol.ts';
// Cross-silo links (party mode): mutually authenticated TLS between hosts, see docs/deployment.md.
export type { NetworkOptions } from './cluster.ts';
export { Gateway, LinkError, dials, type GatewayOptions, type Hello } from './net/gateway.ts';
export { DealerService, type DealerServiceOptions } from './net/dealer-service.ts';
export type { TlsMaterial } from './net/tls-config.ts';
