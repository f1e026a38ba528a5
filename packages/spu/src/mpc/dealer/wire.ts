// Messages between SPU ranks and the dealer (TTP) or rank 0 (TFP). One tag byte, then a payload.
//   SESSION  rank -> dealer   [1][seed:16]        every rank, once per SpuContext (session start)
//   REQUEST  adjust -> dealer [2][utf8 JSON {kind, params}]
//   END      adjust -> dealer [3]                 session over; the dealer waits for the next one
// The dealer answers each REQUEST with the raw bytes of the adjust rank's derived shares (always a
// multiple of 8 bytes), or with the single byte [0xEE] if it could not serve the request.
// An answer the dealer may reuse sits at the start of a buffer that has a trailer right after the
// bytes sent: [magic: 2 x int32][release flag: int32][0]. Only the answer's bytes are sent (and
// counted); when the transport shares the buffer itself (an in-thread hub, shared memory between
// threads) the adjust rank finds the trailer behind the view it received, and once it has read the
// answer for the last time it sets the flag with an atomic store: the dealer then writes a later
// answer of the same size there. A transport that copies or transfers the bytes leaves the dealer's
// buffer unreleased (or detached), so it is never reused.
import { SpuError } from '../../config.ts';

export const TAG_SESSION = 1;
export const TAG_REQUEST = 2;
export const TAG_END = 3;

const enc = new TextEncoder();
const dec = new TextDecoder();

export function sessionMessage(seed: Uint8Array): Uint8Array {
  const m = new Uint8Array(17);
  m[0] = TAG_SESSION;
  m.set(seed, 1);
  return m;
}

export function requestMessage(kind: string, params: unknown): Uint8Array {
  const body = enc.encode(JSON.stringify({ kind, params }));
  const m = new Uint8Array(body.byteLength + 1);
  m[0] = TAG_REQUEST;
  m.set(body, 1);
  return m;
}

export function endMessage(): Uint8Array {
  return Uint8Array.of(TAG_END);
}

export function parseSeed(m: Uint8Array): Uint8Array {
  if (m.byteLength !== 17 || m[0] !== TAG_SESSION) throw new SpuError('dealer: expected a session message with a 16-byte seed');
  return m.slice(1);
}

export function parseRequest(m: Uint8Array): { kind: string; params: unknown } {
  let v: unknown;
  try {
    v = JSON.parse(dec.decode(m.subarray(1)));
  } catch {
    throw new SpuError('dealer: malformed request');
  }
  if (typeof v !== 'object' || v === null || typeof (v as { kind?: unknown }).kind !== 'string') throw new SpuError('dealer: malformed request');
  return v as { kind: string; params: unknown };
}

export function dealerErrorMessage(): Uint8Array {
  return Uint8Array.of(0xee);
}

export function isDealerError(m: Uint8Array): boolean {
  return m.byteLength % 8 !== 0;
}

/** Bytes of an answer's trailer (after the bytes sent). */
export const ANSWER_TRAILER = 16;
const MAGIC0 = 0x5eed_a115, MAGIC1 = 0x0dea_1e75;
const FLAG = 2;

/** Writes an unreleased trailer at byte `end` of `buf` (ANSWER_TRAILER bytes there; end a multiple of 4) and returns its words. */
export function answerTrailer(buf: ArrayBufferLike, end: number): Int32Array {
  const t = new Int32Array(buf, end, ANSWER_TRAILER / 4);
  t[0] = MAGIC0;
  t[1] = MAGIC1;
  t[3] = 0;
  Atomics.store(t, FLAG, 0);
  return t;
}

/** True (and the flag reset) when the adjust rank has released the answer of this trailer. */
export function claimAnswer(t: Int32Array): boolean {
  return Atomics.compareExchange(t, FLAG, 1, 0) === 1;
}

/**
 * The release of a received answer `m`: undefined unless its buffer ends in a dealer trailer right
 * after it (then the dealer reuses the buffer once it is called: nothing may read `m` afterwards).
 */
export function answerRelease(m: Uint8Array): (() => void) | undefined {
  const end = m.byteOffset + m.byteLength;
  if (end % 4 !== 0 || m.buffer.byteLength !== end + ANSWER_TRAILER) return undefined;
  const t = new Int32Array(m.buffer, end, ANSWER_TRAILER / 4);
  if (t[0] !== MAGIC0 || t[1] !== MAGIC1) return undefined;
  return () => void Atomics.store(t, FLAG, 1);
}
