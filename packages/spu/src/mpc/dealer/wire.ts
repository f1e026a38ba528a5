// Messages between SPU ranks and the dealer (TTP) or rank 0 (TFP). One tag byte, then a payload.
//   SESSION  rank -> dealer   [1][seed:16]        every rank, once per SpuContext (session start)
//   REQUEST  adjust -> dealer [2][utf8 JSON {kind, params}]
//   END      adjust -> dealer [3]                 session over; the dealer waits for the next one
// The dealer answers each REQUEST with the raw bytes of the adjust rank's derived shares (always a
// multiple of 8 bytes), or with the single byte [0xEE] if it could not serve the request.
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
