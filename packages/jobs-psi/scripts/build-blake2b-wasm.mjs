#!/usr/bin/env node
// Generates the WebAssembly BLAKE2b (RFC 7693, unkeyed, digest length 1..64) that hashes many
// messages per call, and writes its bytes as base64 into src/kkrt/blake2b-wasm-bytes.ts (committed,
// so neither tests nor the worker need wabt at run time; `--check` exits 1 if it is stale).
// The compression function is emitted fully unrolled from the RFC's message schedule, twice: once
// over i64 for any message, and once over i64x2 (SIMD) for two single-block messages at a time,
// lane 0 one message and lane 1 the next. Every message the KKRT job hashes (a 32-byte key prefix
// and a key up to 96 bytes, an 88-byte OPRF row) is one block, so the batch takes them in pairs
// and only a longer message, or the odd one at the end, goes through the i64 version. The i64x2
// rotations by 32, 24 and 16 bits are byte shuffles within each lane, by 63 a shift pair.
//
// Memory layout: [0, 64) chaining value h, [64, 192) the zero-padded last block, [256, 512) the
// zero-padded blocks of a pair, [512, 768) their words interleaved by lane, [768, 896) the pair's
// digests, inputs from 1024.
// batch(msgs, offs, count, out, outLen): message i is bytes [msgs + offs[i], msgs + offs[i+1])
// (offs: count + 1 u32 LE), its digest goes to out + i * outLen. batchPrefixed(..., pre, preLen)
// hashes the same prefix (preLen bytes at pre, written once per batch) followed by message i.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import wabtInit from 'wabt';
import { generatorMain, renderWasmModule } from '../../../tools/wasm-module.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outPath = join(root, 'src', 'kkrt', 'blake2b-wasm-bytes.ts');

const IV = [
  '0x6a09e667f3bcc908', '0xbb67ae8584caa73b', '0x3c6ef372fe94f82b', '0xa54ff53a5f1d36f1',
  '0x510e527fade682d1', '0x9b05688c2b3e6c1f', '0x1f83d9abfb41bd6b', '0x5be0cd19137e2179',
];
const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/** The RFC's twelve rounds: g on the four columns, then the four diagonals, words from SIGMA. */
function rounds(g) {
  for (let r = 0; r < 12; r += 1) {
    const s = SIGMA[r % 10];
    g(0, 4, 8, 12, s[0], s[1]);
    g(1, 5, 9, 13, s[2], s[3]);
    g(2, 6, 10, 14, s[4], s[5]);
    g(3, 7, 11, 15, s[6], s[7]);
    g(0, 5, 10, 15, s[8], s[9]);
    g(1, 6, 11, 12, s[10], s[11]);
    g(2, 7, 8, 13, s[12], s[13]);
    g(3, 4, 9, 14, s[14], s[15]);
  }
}

function compressFunc() {
  const L = [];
  const v = (i) => `$v${i}`;
  const m = (i) => `$m${i}`;
  const g = (a, b, c, d, x, y) => {
    const add3 = (p, q, r) => `(local.set ${p} (i64.add (i64.add (local.get ${p}) (local.get ${q})) (local.get ${r})))`;
    const xr = (p, q, r) => `(local.set ${p} (i64.rotr (i64.xor (local.get ${p}) (local.get ${q})) (i64.const ${r})))`;
    const add = (p, q) => `(local.set ${p} (i64.add (local.get ${p}) (local.get ${q})))`;
    L.push(add3(v(a), v(b), m(x)), xr(v(d), v(a), 32), add(v(c), v(d)), xr(v(b), v(c), 24));
    L.push(add3(v(a), v(b), m(y)), xr(v(d), v(a), 16), add(v(c), v(d)), xr(v(b), v(c), 63));
  };
  const locals = [];
  for (let i = 0; i < 16; i += 1) locals.push(`(local $v${i} i64) (local $m${i} i64)`);
  for (let i = 0; i < 16; i += 1) L.push(`(local.set $m${i} (i64.load offset=${8 * i} (local.get $blk)))`);
  for (let i = 0; i < 8; i += 1) L.push(`(local.set $v${i} (i64.load offset=${8 * i} (i32.const 0)))`);
  for (let i = 0; i < 8; i += 1) L.push(`(local.set $v${i + 8} (i64.const ${IV[i]}))`);
  L.push('(local.set $v12 (i64.xor (local.get $v12) (local.get $t)))');
  L.push('(if (local.get $last) (then (local.set $v14 (i64.xor (local.get $v14) (i64.const -1)))))');
  rounds(g);
  for (let i = 0; i < 8; i += 1) {
    L.push(`(i64.store offset=${8 * i} (i32.const 0) (i64.xor (i64.load offset=${8 * i} (i32.const 0)) (i64.xor (local.get $v${i}) (local.get $v${i + 8}))))`);
  }
  return `(func $compress (param $blk i32) (param $t i64) (param $last i32) ${locals.join(' ')}\n    ${L.join('\n    ')})`;
}

const PAIR_BLOCKS = 256;
const PAIR_WORDS = 512;
const PAIR_OUT = 768;
/** Byte shuffles that rotate each 64-bit lane right by 8r bits: result byte k = byte (k + r) mod 8. */
const rotBytes = (r) => {
  const lane = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => (k + r) % 8);
  return `i8x16.shuffle ${[...lane, ...lane.map((k) => k + 8)].join(' ')}`;
};

/**
 * Two single-block messages, (pA, lenA) and (pB, lenB) behind the same preLen-byte prefix at pre
 * (preLen + len <= 128 each): the same digests as two calls of $one, lane by lane.
 */
function pairFunc() {
  const L = [];
  const v = (i) => `$v${i}`;
  const mw = (i) => `(v128.load offset=${PAIR_WORDS + 16 * i} (i32.const 0))`;
  const g = (a, b, c, d, x, y) => {
    const add3 = (p, q, w) => `(local.set ${p} (i64x2.add (i64x2.add (local.get ${p}) (local.get ${q})) ${w}))`;
    const add = (p, q) => `(local.set ${p} (i64x2.add (local.get ${p}) (local.get ${q})))`;
    const xrb = (p, q, r) => `(local.set ${p} (${rotBytes(r)} (local.tee ${p} (v128.xor (local.get ${p}) (local.get ${q}))) (local.get ${p})))`;
    const xr63 = (p, q) => `(local.set ${p} (v128.or (i64x2.shr_u (local.tee ${p} (v128.xor (local.get ${p}) (local.get ${q}))) (i32.const 63)) (i64x2.add (local.get ${p}) (local.get ${p}))))`;
    L.push(add3(v(a), v(b), mw(x)), xrb(v(d), v(a), 4), add(v(c), v(d)), xrb(v(b), v(c), 3));
    L.push(add3(v(a), v(b), mw(y)), xrb(v(d), v(a), 2), add(v(c), v(d)), xr63(v(b), v(c)));
  };
  const locals = [];
  for (let i = 0; i < 16; i += 1) locals.push(`(local $v${i} v128)`);
  locals.push('(local $h0 i64)');
  // The two blocks: zeros, prefix, message.
  // (Constant-offset vector stores and a skipped empty prefix: a bulk-memory instruction is a call
  // out of the compiled code, a cost of the same order as a tenth of the compression.)
  for (let k = 0; k < 16; k += 1) L.push(`(v128.store offset=${PAIR_BLOCKS + 16 * k} (i32.const 0) (v128.const i64x2 0 0))`);
  L.push(`(memory.copy (i32.const ${PAIR_BLOCKS}) (local.get $pre) (local.get $preLen))`);
  L.push(`(memory.copy (i32.const ${PAIR_BLOCKS + 128}) (local.get $pre) (local.get $preLen))`);
  L.push(`(memory.copy (i32.add (i32.const ${PAIR_BLOCKS}) (local.get $preLen)) (local.get $pA) (local.get $lenA))`);
  L.push(`(memory.copy (i32.add (i32.const ${PAIR_BLOCKS + 128}) (local.get $preLen)) (local.get $pB) (local.get $lenB))`);
  // Word k of both blocks side by side: lane 0 from A, lane 1 from B.
  for (let k = 0; k < 16; k += 2) {
    const ld = (base) => `(v128.load offset=${base + 8 * k} (i32.const 0))`;
    L.push(`(v128.store offset=${PAIR_WORDS + 16 * k} (i32.const 0) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 ${ld(PAIR_BLOCKS)} ${ld(PAIR_BLOCKS + 128)}))`);
    L.push(`(v128.store offset=${PAIR_WORDS + 16 * (k + 1)} (i32.const 0) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 ${ld(PAIR_BLOCKS)} ${ld(PAIR_BLOCKS + 128)}))`);
  }
  // h = IV with the parameter block (digest length, fanout and depth 1) in word 0, in both lanes;
  // v = h || IV, counter = the message lengths (one block: also the final one).
  L.push(`(local.set $h0 (i64.xor (i64.const ${IV[0]}) (i64.extend_i32_u (i32.or (i32.const 0x01010000) (local.get $outLen)))))`);
  L.push('(local.set $v0 (i64x2.splat (local.get $h0)))');
  for (let i = 1; i < 8; i += 1) L.push(`(local.set $v${i} (i64x2.splat (i64.const ${IV[i]})))`);
  for (let i = 0; i < 8; i += 1) L.push(`(local.set $v${i + 8} (i64x2.splat (i64.const ${IV[i]})))`);
  L.push('(local.set $v12 (v128.xor (local.get $v12) (i64x2.replace_lane 1 (i64x2.splat (i64.extend_i32_u (i32.add (local.get $preLen) (local.get $lenA)))) (i64.extend_i32_u (i32.add (local.get $preLen) (local.get $lenB))))))');
  L.push('(local.set $v14 (v128.not (local.get $v14)))');
  rounds(g);
  // h ^ v_i ^ v_(i+8): a digest of whole words goes straight to its place, word by word; any other
  // length through [PAIR_OUT, +64) (lane 0) and [PAIR_OUT + 64, +64) (lane 1).
  for (let i = 0; i < 8; i += 1) {
    const h = i === 0 ? '(i64x2.splat (local.get $h0))' : `(i64x2.splat (i64.const ${IV[i]}))`;
    L.push(`(local.set $v${i} (v128.xor ${h} (v128.xor (local.get $v${i}) (local.get $v${i + 8}))))`);
  }
  for (let i = 0; i < 8; i += 1) {
    L.push(`(i64.store offset=${PAIR_OUT + 8 * i} (i32.const 0) (i64x2.extract_lane 0 (local.get $v${i})))`);
    L.push(`(i64.store offset=${PAIR_OUT + 64 + 8 * i} (i32.const 0) (i64x2.extract_lane 1 (local.get $v${i})))`);
  }
  L.push(`(memory.copy (local.get $dstA) (i32.const ${PAIR_OUT}) (local.get $outLen))`);
  L.push(`(memory.copy (local.get $dstB) (i32.const ${PAIR_OUT + 64}) (local.get $outLen))`);
  return `(func $two (param $pre i32) (param $preLen i32) (param $pA i32) (param $lenA i32) (param $pB i32) (param $lenB i32) (param $dstA i32) (param $dstB i32) (param $outLen i32) ${locals.join(' ')}\n    ${L.join('\n    ')})`;
}

function wat() {
  const init = IV.map((x, i) => `(i64.store offset=${8 * i} (i32.const 0) ${i === 0 ? `(i64.xor (i64.const ${x}) (i64.extend_i32_u (i32.or (i32.const 0x01010000) (local.get $outLen))))` : `(i64.const ${x})`})`);
  const offAt = (k) => `(i32.load${k ? ` offset=${k}` : ''} (i32.add (local.get $offs) (i32.shl (local.get $i) (i32.const 2))))`;
  const dst = '(i32.add (local.get $out) (i32.mul (local.get $i) (local.get $outLen)))';
  const offAt1 = (k) => `(i32.load offset=${k} (i32.add (local.get $offs) (i32.shl (local.get $i) (i32.const 2))))`;
  const pairCall = `(call $two (local.get $pre) (local.get $preLen)
            (i32.add (local.get $msgs) ${offAt(0)}) (i32.sub ${offAt1(4)} ${offAt(0)})
            (i32.add (local.get $msgs) ${offAt1(4)}) (i32.sub ${offAt1(8)} ${offAt1(4)})
            ${dst} (i32.add ${dst} (local.get $outLen)) (local.get $outLen))`;
  const pairTest = `(func $pairable (param $offs i32) (param $i i32) (param $count i32) (param $preLen i32) (result i32)
    (local $at i32)
    (if (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $count)) (then (return (i32.const 0))))
    (local.set $at (i32.add (local.get $offs) (i32.shl (local.get $i) (i32.const 2))))
    (i32.and
      (i32.le_u (i32.add (local.get $preLen) (i32.sub (i32.load offset=4 (local.get $at)) (i32.load (local.get $at)))) (i32.const 128))
      (i32.le_u (i32.add (local.get $preLen) (i32.sub (i32.load offset=8 (local.get $at)) (i32.load offset=4 (local.get $at)))) (i32.const 128))))`;
  return `(module
  (memory (export "memory") 1)
  ${compressFunc()}
  ${pairFunc()}
  ;; one message [p, end) -> outLen digest bytes at dst
  (func $one (param $p i32) (param $end i32) (param $dst i32) (param $outLen i32)
    (local $len i32) (local $rest i32)
    (local.set $len (i32.sub (local.get $end) (local.get $p)))
    ${init.join('\n    ')}
    ;; every full block but the last one
    (block $tail (loop $full
      (br_if $tail (i32.le_u (i32.sub (local.get $end) (local.get $p)) (i32.const 128)))
      (call $compress (local.get $p) (i64.extend_i32_u (i32.add (i32.sub (local.get $len) (i32.sub (local.get $end) (local.get $p))) (i32.const 128))) (i32.const 0))
      (local.set $p (i32.add (local.get $p) (i32.const 128)))
      (br $full)))
    ;; the last block (0..128 bytes), zero-padded, counter = message length
    (local.set $rest (i32.sub (local.get $end) (local.get $p)))
    (memory.fill (i32.const 64) (i32.const 0) (i32.const 128))
    (memory.copy (i32.const 64) (local.get $p) (local.get $rest))
    (call $compress (i32.const 64) (i64.extend_i32_u (local.get $len)) (i32.const 1))
    (memory.copy (local.get $dst) (i32.const 0) (local.get $outLen)))
  ;; the pair test: messages i and i + 1 both exist and both fit one block behind the prefix
  ${pairTest}
  (func (export "batch") (param $msgs i32) (param $offs i32) (param $count i32) (param $out i32) (param $outLen i32)
    (local $i i32) (local $pre i32) (local $preLen i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
      (if (call $pairable (local.get $offs) (local.get $i) (local.get $count) (i32.const 0))
        (then
          ${pairCall}
          (local.set $i (i32.add (local.get $i) (i32.const 2))))
        (else
          (call $one (i32.add (local.get $msgs) ${offAt(0)}) (i32.add (local.get $msgs) ${offAt(4)}) ${dst} (local.get $outLen))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))))
      (br $next))))
  ;; message i = the preLen bytes at pre || bytes [msgs + offs[i], msgs + offs[i+1]): each message is
  ;; copied in behind the prefix, which the caller writes once per batch (room: preLen + longest message)
  (func (export "batchPrefixed") (param $msgs i32) (param $offs i32) (param $count i32) (param $out i32) (param $outLen i32) (param $pre i32) (param $preLen i32)
    (local $i i32) (local $p i32) (local $len i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
      (if (call $pairable (local.get $offs) (local.get $i) (local.get $count) (local.get $preLen))
        (then
          ${pairCall}
          (local.set $i (i32.add (local.get $i) (i32.const 2))))
        (else
          (local.set $p (i32.add (local.get $msgs) ${offAt(0)}))
          (local.set $len (i32.sub (i32.add (local.get $msgs) ${offAt(4)}) (local.get $p)))
          (memory.copy (i32.add (local.get $pre) (local.get $preLen)) (local.get $p) (local.get $len))
          (call $one (local.get $pre) (i32.add (i32.add (local.get $pre) (local.get $preLen)) (local.get $len)) ${dst} (local.get $outLen))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))))
      (br $next))))
)`;
}

export async function render() {
  return renderWasmModule({
    wabt: await wabtInit(),
    name: 'blake2b.wat',
    wat: wat(),
    features: { bulk_memory: true, simd: true },
    constName: 'BLAKE2B_WASM_BASE64',
    header: 'GENERATED by scripts/build-blake2b-wasm.mjs - do not edit.',
  });
}

await generatorMain(import.meta.url, outPath, render, 'node packages/jobs-psi/scripts/build-blake2b-wasm.mjs');
