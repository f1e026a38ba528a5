// Base OTs: Chou-Orlandi "The Simplest Protocol for Oblivious Transfer" (CO15, eprint 2015/267) in
// the edwards25519 group (the Edwards form of Curve25519, prime-order subgroup, libsodium's
// ed25519 core functions). node:crypto's X25519 is x-only (no point addition), which neither CO15
// nor Masny-Rindal can use; edwards25519 is the same curve with full group operations.
//
//   sender:   a <- Z_L,  A = a*G                                  -> A
//   receiver: b_i <- Z_L, B_i = b_i*G + c_i*A                     -> B_1..B_n
//   sender:   k0_i = KDF(i, A, B_i, a*B_i), k1_i = KDF(i, A, B_i, a*(B_i - A))
//   receiver: k_i  = KDF(i, A, B_i, b_i*A)        (= k{c_i}_i)
//
// The KDF hashes the OT index and the transcript with the shared point (McQuoid-Rosulek-Roy,
// eprint 2021/682): equal receiver points in two instances still give unrelated keys. Semi-honest
// security under CDH in the random-oracle model; the known issues of CO15's UC proof concern
// malicious/adaptive settings (eprint 2017/370, 2017/1011), not this use.
import { sodium } from './sodium.ts';

export const POINT = 32;
export const OT_KEY = 16;
const KDF_DOMAIN = Buffer.from('sfw-psi/kkrt/base-ot/v1', 'utf8');

export interface BaseOtSenderState {
  readonly a: Buffer;
  readonly A: Buffer;
}

/** Sender step 1: a fresh secret a and the message A = a*G. */
export function baseOtSenderStart(): BaseOtSenderState {
  const s = sodium();
  const a = Buffer.alloc(32);
  s.crypto_core_ed25519_scalar_random(a);
  const A = Buffer.alloc(POINT);
  s.crypto_scalarmult_ed25519_base_noclamp(A, a);
  return { a, A };
}

/** Receiver: for choice bits c (one byte 0/1 each) returns its message B and its keys k_{c_i}. */
export function baseOtReceive(A: Uint8Array, choices: Uint8Array): { message: Uint8Array; keys: Uint8Array } {
  const s = sodium();
  const pa = Buffer.from(A);
  if (pa.length !== POINT || !s.crypto_core_ed25519_is_valid_point(pa)) throw new Error('base OT: invalid sender point');
  const n = choices.length;
  const message = Buffer.alloc(n * POINT);
  const keys = new Uint8Array(n * OT_KEY);
  const b = Buffer.alloc(32);
  const bG = Buffer.alloc(POINT);
  const shared = Buffer.alloc(POINT);
  for (let i = 0; i < n; i += 1) {
    s.crypto_core_ed25519_scalar_random(b);
    s.crypto_scalarmult_ed25519_base_noclamp(bG, b);
    const Bi = message.subarray(i * POINT, (i + 1) * POINT);
    if (choices[i]) s.crypto_core_ed25519_add(Bi, bG, pa);
    else bG.copy(Bi);
    s.crypto_scalarmult_ed25519_noclamp(shared, b, pa);
    keys.set(kdf(i, pa, Bi, shared), i * OT_KEY);
  }
  b.fill(0);
  return { message, keys };
}

/** Sender step 2: both keys of every OT from the receiver's message. */
export function baseOtSenderFinish(st: BaseOtSenderState, message: Uint8Array, n: number): { k0: Uint8Array; k1: Uint8Array } {
  if (message.length !== n * POINT) throw new Error('base OT: wrong receiver message length');
  const s = sodium();
  const aA = Buffer.alloc(POINT);
  s.crypto_scalarmult_ed25519_noclamp(aA, st.a, st.A);
  const k0 = new Uint8Array(n * OT_KEY);
  const k1 = new Uint8Array(n * OT_KEY);
  const p0 = Buffer.alloc(POINT);
  const p1 = Buffer.alloc(POINT);
  const msg = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  for (let i = 0; i < n; i += 1) {
    const Bi = msg.subarray(i * POINT, (i + 1) * POINT);
    if (!s.crypto_core_ed25519_is_valid_point(Bi)) throw new Error('base OT: invalid receiver point');
    s.crypto_scalarmult_ed25519_noclamp(p0, st.a, Bi);
    s.crypto_core_ed25519_sub(p1, p0, aA); // a*(B_i - A) = a*B_i - a*A
    k0.set(kdf(i, st.A, Bi, p0), i * OT_KEY);
    k1.set(kdf(i, st.A, Bi, p1), i * OT_KEY);
  }
  st.a.fill(0);
  return { k0, k1 };
}

const kdfIn = Buffer.alloc(KDF_DOMAIN.length + 4 + 3 * POINT);
const kdfOut = Buffer.alloc(OT_KEY);
function kdf(i: number, A: Uint8Array, B: Uint8Array, P: Uint8Array): Uint8Array {
  let o = KDF_DOMAIN.copy(kdfIn, 0);
  o = kdfIn.writeUInt32LE(i, o);
  kdfIn.set(A, o);
  kdfIn.set(B, o + POINT);
  kdfIn.set(P, o + 2 * POINT);
  sodium().crypto_generichash(kdfOut, kdfIn);
  return kdfOut.slice();
}
