#!/usr/bin/env node
// Generates the WebAssembly BLAKE2b (RFC 7693, unkeyed, digest length 1..64) that hashes many
// messages per call, and writes its bytes as base64 into src/kkrt/blake2b-wasm-bytes.ts (committed,
// so neither tests nor the worker need wabt at run time; `--check` exits 1 if it is stale).
// The compression function is emitted fully unrolled from the RFC's message schedule.
//
// Memory layout: [0, 64) chaining value h, [64, 192) the zero-padded last block, inputs from 256.
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
  for (let i = 0; i < 8; i += 1) {
    L.push(`(i64.store offset=${8 * i} (i32.const 0) (i64.xor (i64.load offset=${8 * i} (i32.const 0)) (i64.xor (local.get $v${i}) (local.get $v${i + 8}))))`);
  }
  return `(func $compress (param $blk i32) (param $t i64) (param $last i32) ${locals.join(' ')}\n    ${L.join('\n    ')})`;
}

function wat() {
  const init = IV.map((x, i) => `(i64.store offset=${8 * i} (i32.const 0) ${i === 0 ? `(i64.xor (i64.const ${x}) (i64.extend_i32_u (i32.or (i32.const 0x01010000) (local.get $outLen))))` : `(i64.const ${x})`})`);
  const offAt = (k) => `(i32.load${k ? ` offset=${k}` : ''} (i32.add (local.get $offs) (i32.shl (local.get $i) (i32.const 2))))`;
  const dst = '(i32.add (local.get $out) (i32.mul (local.get $i) (local.get $outLen)))';
  return `(module
  (memory (export "memory") 1)
  ${compressFunc()}
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
  (func (export "batch") (param $msgs i32) (param $offs i32) (param $count i32) (param $out i32) (param $outLen i32)
    (local $i i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
      (call $one (i32.add (local.get $msgs) ${offAt(0)}) (i32.add (local.get $msgs) ${offAt(4)}) ${dst} (local.get $outLen))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
  ;; message i = the preLen bytes at pre || bytes [msgs + offs[i], msgs + offs[i+1]): each message is
  ;; copied in behind the prefix, which the caller writes once per batch (room: preLen + longest message)
  (func (export "batchPrefixed") (param $msgs i32) (param $offs i32) (param $count i32) (param $out i32) (param $outLen i32) (param $pre i32) (param $preLen i32)
    (local $i i32) (local $p i32) (local $len i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
      (local.set $p (i32.add (local.get $msgs) ${offAt(0)}))
      (local.set $len (i32.sub (i32.add (local.get $msgs) ${offAt(4)}) (local.get $p)))
      (memory.copy (i32.add (local.get $pre) (local.get $preLen)) (local.get $p) (local.get $len))
      (call $one (local.get $pre) (i32.add (i32.add (local.get $pre) (local.get $preLen)) (local.get $len)) ${dst} (local.get $outLen))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
)`;
}

export async function render() {
  return renderWasmModule({
    wabt: await wabtInit(),
    name: 'blake2b.wat',
    wat: wat(),
    features: { bulk_memory: true },
    constName: 'BLAKE2B_WASM_BASE64',
    header: 'GENERATED by scripts/build-blake2b-wasm.mjs - do not edit.',
  });
}

await generatorMain(import.meta.url, outPath, render, 'node packages/jobs-psi/scripts/build-blake2b-wasm.mjs');
