// Errors that cross the thread boundary. A thread never ships an Error object (its message could carry
// data values); it ships an ErrorInfo whose message went through `sanitizeMessage`, and the main thread
// turns it into a DeviceError that names where it happened (party or rank, and the function).

export const DEVICE_ERROR_CODES = {
  FUNCTION_FAILED: 'FUNCTION_FAILED', // a registered function threw
  UNKNOWN_FUNCTION: 'UNKNOWN_FUNCTION', // name not registered by any loaded device module
  OBJECT_NOT_FOUND: 'OBJECT_NOT_FOUND', // handle from another task, another device, or never made
  THREAD_CRASHED: 'THREAD_CRASHED', // the thread exited or had an uncaught error
  RESOURCE_LIMIT: 'RESOURCE_LIMIT', // the thread overran its resourceLimits (memory) and was ended
  TASK_ENDED: 'TASK_ENDED', // the task was reset while the operation was pending
  ABORTED: 'ABORTED', // the task signal fired (soft time limit) or the cluster was destroyed
  BAD_VALUE: 'BAD_VALUE', // a value could not be moved (e.g. not numeric for secret sharing)
  CLUSTER_UNHEALTHY: 'CLUSTER_UNHEALTHY', // a thread died earlier; rebuild the cluster
  PEER_LOST: 'PEER_LOST', // another host left the task (link lost, timed out, or it ended early)
} as const;
export type DeviceErrorCode = (typeof DEVICE_ERROR_CODES)[keyof typeof DEVICE_ERROR_CODES];

/** Structured-clone friendly error description (what threads send). */
export interface ErrorInfo {
  readonly code: DeviceErrorCode;
  /** `alice`, `spu:rank0`, `spu:dealer`, or `driver`. */
  readonly device: string;
  /** Registered function (`psi.hashKeys`) or runtime operation (`to(spu)`, `reveal`). */
  readonly fn: string;
  readonly errorName: string;
  readonly message: string;
  readonly stack?: string;
}

export class DeviceError extends Error {
  override readonly name = 'DeviceError';
  readonly code: DeviceErrorCode;
  readonly device: string;
  readonly fn: string;
  /** Class name of the original error inside the thread (e.g. `TypeError`). */
  readonly errorName: string;
  /** Stack of the original error inside the thread (file positions only; no values). */
  readonly threadStack: string | undefined;

  constructor(info: ErrorInfo) {
    super(`${info.device} ${info.fn}: ${info.errorName}: ${info.message}`);
    this.code = info.code;
    this.device = info.device;
    this.fn = info.fn;
    this.errorName = info.errorName;
    this.threadStack = info.stack;
  }

  /**
   * Whether running the task again may succeed: another host left the task (its worker died or the
   * link broke), and a retry meets it again. The executor keeps this flag when it wraps the error.
   */
  get retryable(): boolean {
    return this.code === 'PEER_LOST';
  }

  toInfo(): ErrorInfo {
    const base = {
      code: this.code,
      device: this.device,
      fn: this.fn,
      errorName: this.errorName,
      message: this.message,
    };
    return this.threadStack === undefined ? base : { ...base, stack: this.threadStack };
  }
}

/** Thrown synchronously by the driver-side API for misuse (wrong device, ended task, unhealthy cluster). */
export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  readonly code: DeviceErrorCode | 'BAD_USAGE';
  constructor(code: DeviceErrorCode | 'BAD_USAGE', message: string) {
    super(message);
    this.code = code;
  }
}

const MAX_MESSAGE = 240;

/**
 * Best-effort removal of data values from an error message before it leaves the thread: numbers with
 * three or more digits and long hex/base64-like runs are replaced, JSON-ish payloads after a colon are
 * cut, and the message is truncated. Functions should still not put values into messages; this is the
 * safety net, not the policy.
 */
export function sanitizeMessage(message: string): string {
  const cleaned = message
    .replace(/[A-Za-z0-9+/=_-]{24,}/g, '<redacted>')
    .replace(/[[{].{16,}$/s, '<payload>')
    .replace(/-?[\d.]*\d(?:[eE][-+]?\d+)?/g, (num) => ((num.match(/\d/g)?.length ?? 0) >= 3 ? '<n>' : num));
  return cleaned.length > MAX_MESSAGE ? `${cleaned.slice(0, MAX_MESSAGE)}...` : cleaned;
}

/** Convert anything thrown inside a thread into an ErrorInfo attributed to `device`/`fn`. */
export function toErrorInfo(err: unknown, device: string, fn: string, code: DeviceErrorCode = 'FUNCTION_FAILED'): ErrorInfo {
  if (isErrorInfo(err)) return err; // propagated from an input: keep the origin
  if (err instanceof DeviceError) return err.toInfo();
  if (err instanceof Error) {
    const c = (err as { sfwCode?: unknown }).sfwCode;
    const info = {
      code: typeof c === 'string' && c in DEVICE_ERROR_CODES ? (c as DeviceErrorCode) : code,
      device,
      fn,
      errorName: err.name,
      message: sanitizeMessage(err.message),
    };
    // Keep only the frame lines of the stack; the first line repeats the (unsanitized) message.
    const frames = err.stack?.split('\n').filter((l) => l.trimStart().startsWith('at ')).join('\n');
    return frames ? { ...info, stack: frames } : info;
  }
  return { code, device, fn, errorName: typeof err, message: 'non-Error value thrown' };
}

export function isErrorInfo(v: unknown): v is ErrorInfo {
  return (
    typeof v === 'object' && v !== null && !(v instanceof Error) &&
    typeof (v as ErrorInfo).code === 'string' && typeof (v as ErrorInfo).device === 'string' &&
    typeof (v as ErrorInfo).fn === 'string' && typeof (v as ErrorInfo).message === 'string'
  );
}

/** An Error tagged with a runtime code, for throwing inside threads. */
export function codedError(code: DeviceErrorCode, message: string): Error {
  return Object.assign(new Error(message), { sfwCode: code });
}
