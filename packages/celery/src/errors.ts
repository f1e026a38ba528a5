// Errors -> the JSON exception payload Python's result backend turns back into a raised exception
// (docs/celery-wire.md "Results"). The client imports `exc_module`, looks up `exc_type` and raises
// `cls(*exc_message)`; an unknown module/name becomes a dynamic `celery.exceptions.<exc_type>`.
import type { ExceptionPayload } from './types.ts';

/** Python builtin exception names a JS error may map onto directly (so `except ValueError:` works). */
const PY_BUILTINS = new Set([
  'Exception', 'ValueError', 'TypeError', 'KeyError', 'IndexError', 'RuntimeError', 'TimeoutError',
  'NotImplementedError', 'AssertionError', 'AttributeError', 'LookupError', 'ArithmeticError',
  'ZeroDivisionError', 'OverflowError', 'MemoryError', 'OSError', 'IOError', 'FileNotFoundError',
  'PermissionError', 'ConnectionError', 'ConnectionRefusedError', 'ConnectionResetError',
  'BrokenPipeError', 'InterruptedError', 'UnicodeError', 'UnicodeDecodeError', 'RecursionError', 'EOFError',
]);

/** JS built-in names that have a natural Python builtin twin. */
const JS_TO_PY: Record<string, string> = { Error: 'Exception', RangeError: 'ValueError', SyntaxError: 'ValueError', ReferenceError: 'RuntimeError', EvalError: 'RuntimeError', URIError: 'ValueError', AggregateError: 'Exception' };

/** Errors the worker raises itself, named as Celery/billiard name them. */
export class CeleryTaskError extends Error {
  constructor(
    readonly excType: string,
    readonly excModule: string,
    readonly excArgs: unknown[],
  ) {
    super(typeof excArgs[0] === 'string' ? excArgs[0] : excType);
    this.name = excType;
  }
}

export const softTimeLimitExceeded = (): CeleryTaskError => new CeleryTaskError('SoftTimeLimitExceeded', 'billiard.exceptions', ['SoftTimeLimitExceeded()']);
export const timeLimitExceeded = (limitSec: number): CeleryTaskError => new CeleryTaskError('TimeLimitExceeded', 'billiard.exceptions', [limitSec]);
export const taskRevoked = (reason: 'revoked' | 'terminated' | 'expired'): CeleryTaskError => new CeleryTaskError('TaskRevokedError', 'celery.exceptions', [reason]);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A Python identifier (exc_type is looked up as an attribute; never pass arbitrary text). */
const PY_IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
const PY_MODULE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,9}$/;

/**
 * Map any thrown value to `{exc_type, exc_message, exc_module}`:
 * - `error.excType` (default: `error.name`, JS built-ins mapped to their Python twin),
 * - `error.excModule` (default: `builtins` for a Python builtin name, else `celery.exceptions`, which the
 *   client turns into a dynamic Exception subclass of that name),
 * - `error.excArgs` (default `[error.message]`); values must be JSON.
 */
export function exceptionPayload(err: unknown): ExceptionPayload {
  if (!isObj(err)) return { exc_type: 'Exception', exc_message: [String(err)], exc_module: 'builtins' };
  const rawName = typeof err.excType === 'string' ? err.excType : typeof err.name === 'string' ? err.name : 'Exception';
  const mapped = JS_TO_PY[rawName] ?? rawName;
  const excType = PY_IDENT.test(mapped) ? mapped : 'Exception';
  let excModule: string;
  if (typeof err.excModule === 'string' && PY_MODULE.test(err.excModule)) excModule = err.excModule;
  else excModule = PY_BUILTINS.has(excType) ? 'builtins' : 'celery.exceptions';
  let excArgs: unknown[];
  if (Array.isArray(err.excArgs)) excArgs = err.excArgs;
  else excArgs = [typeof err.message === 'string' ? err.message : String(err)];
  try {
    JSON.stringify(excArgs);
  } catch {
    excArgs = [typeof err.message === 'string' ? err.message : excType];
  }
  return { exc_type: excType, exc_message: excArgs, exc_module: excModule };
}

/** A Python-looking traceback string: type and message only; the JS stack only in debug mode. */
export function tracebackOf(err: unknown, payload: ExceptionPayload, debug: boolean): string {
  const msg = payload.exc_message.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(', ');
  const head = `Traceback (most recent call last):\n  (TypeScript worker)\n${payload.exc_module === 'builtins' ? '' : `${payload.exc_module}.`}${payload.exc_type}: ${msg}\n`;
  if (debug && err instanceof Error && err.stack) return `${head}\n${err.stack}\n`;
  return head;
}

/** True when the error asks to be retried (Celery-style autoretry only for errors marked so). */
export function isRetryable(err: unknown): boolean {
  return isObj(err) && err.retryable === true;
}

export function countdownOf(err: unknown): number | null {
  return isObj(err) && typeof err.countdownSec === 'number' && Number.isFinite(err.countdownSec) && err.countdownSec >= 0 ? err.countdownSec : null;
}

/** A one-line repr for events ("ValueError('boom')"), bounded. */
export function excRepr(p: ExceptionPayload): string {
  const s = `${p.exc_type}(${p.exc_message.map((a) => JSON.stringify(a)).join(', ')})`;
  return s.length > 512 ? `${s.slice(0, 512)}...` : s;
}
