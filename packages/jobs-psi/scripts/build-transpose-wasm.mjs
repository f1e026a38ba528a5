#!/usr/bin/env node
// Generates the WebAssembly SIMD bit-matrix transpose of the OT extension and writes its bytes as
// base64 into src/kkrt/transpose-wasm-bytes.ts (committed, so neither tests nor the worker need
// wabt at run time; `--check` exits 1 if it is stale).
//
// transpose(src, dst, rows, cols): src is rows x cols bits, row-major, bit c of a row at byte c/8,
// bit c%8 (src/kkrt/bits.ts); dst gets the cols x rows transpose. rows and cols multiples of 128;
// src and dst at or above byte 4096 (below it: the tile scratch). The kernel takes 16 rows x 128
// columns at a time: 16 vector loads (16 bytes of each row), a 16 x 16 byte transpose in four rounds of byte interleaves (each round rotates the 8-bit index
// (row, byte) left by one, so four rounds swap its halves), after which vector b holds byte b of
// the 16 rows. `i8x16.bitmask` then gives the top bit of the 16 lanes: 16 bits of one output row
// (column 8b + 7), stored as 2 bytes; adding the vector to itself moves the next bit to the top.
// Eight such steps fill a 128 x 128-bit tile in a 2 KiB scratch (stores at constant offsets, in
// L1), which then goes out as 128 full 16-byte stores: writing 2 bytes straight into output rows
// 4 KiB apart (the 2^15 x 512 direction) made every store touch another cache line in one L1 set.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import wabtInit from 'wabt';
import { generatorMain, renderWasmModule } from '../../../tools/wasm-module.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outPath = join(root, 'src', 'kkrt', 'transpose-wasm-bytes.ts');

const LO = 'i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23';
/** The 128 x 128-bit tile's output rows, 16 bytes each (2 KiB, stays in L1). */
const SCRATCH = 0;
const HI = 'i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31';

function kernel() {
  const L = [];
  // 16 rows, 16 bytes each, into x0..x15.
  for (let k = 0; k < 16; k += 1) {
    L.push(`(local.set $x${k} (v128.load (i32.add (local.get $p) (i32.mul (local.get $srb) (i32.const ${k})))))`);
  }
  // Four interleave rounds, x -> y -> x -> y -> x.
  let a = 'x';
  let b = 'y';
  for (let r = 0; r < 4; r += 1) {
    for (let i = 0; i < 8; i += 1) {
      L.push(`(local.set $${b}${2 * i} (${LO} (local.get $${a}${i}) (local.get $${a}${i + 8})))`);
      L.push(`(local.set $${b}${2 * i + 1} (${HI} (local.get $${a}${i}) (local.get $${a}${i + 8})))`);
    }
    [a, b] = [b, a];
  }
  // Vector b (in x) holds byte b of the 16 rows: its bits 7..0 are output rows 8b+7 .. 8b, kept
  // in the tile scratch (16 bytes per output row).
  for (let v = 0; v < 16; v += 1) {
    for (let s = 0; s < 8; s += 1) {
      const row = 8 * v + 7 - s;
      L.push(`(i32.store16 offset=${SCRATCH + 16 * row} (local.get $g2) (i8x16.bitmask (local.get $${a}${v})))`);
      if (s < 7) L.push(`(local.set $${a}${v} (i8x16.add (local.get $${a}${v}) (local.get $${a}${v})))`);
    }
  }
  return L.join('\n            ');
}

function wat() {
  const vlocals = [];
  for (let k = 0; k < 16; k += 1) vlocals.push(`(local $x${k} v128)`, `(local $y${k} v128)`);
  return `(module
  (memory (export "memory") 1)
  (func (export "transpose") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (local $srb i32) (local $drb i32) (local $ct i32) (local $rt i32) (local $g2 i32) (local $p i32) (local $q i32) (local $c i32)
    ${vlocals.join(' ')}
    (local.set $srb (i32.shr_u (local.get $cols) (i32.const 3)))
    (local.set $drb (i32.shr_u (local.get $rows) (i32.const 3)))
    ;; ct: byte offset of the 128-column group in a source row
    (block $cdone (loop $cnext
      (br_if $cdone (i32.ge_u (local.get $ct) (local.get $srb)))
      (local.set $rt (i32.const 0))
      ;; rt: first row of the 128-row tile
      (block $tdone (loop $tnext
        (br_if $tdone (i32.ge_u (local.get $rt) (local.get $rows)))
        (local.set $g2 (i32.const 0))
        ;; g2 = 2 x (16-row group in the tile): the group's byte offset in a scratch row
        (block $gdone (loop $gnext
          (br_if $gdone (i32.ge_u (local.get $g2) (i32.const 16)))
          (local.set $p (i32.add (local.get $src) (i32.add (i32.mul (i32.add (local.get $rt) (i32.shl (local.get $g2) (i32.const 3))) (local.get $srb)) (local.get $ct))))
            ${kernel()}
          (local.set $g2 (i32.add (local.get $g2) (i32.const 2)))
          (br $gnext)))
        ;; scratch row c (16 bytes) -> output row 8 ct + c, bytes rt/8 ..
        (local.set $q (i32.add (local.get $dst) (i32.add (i32.mul (i32.shl (local.get $ct) (i32.const 3)) (local.get $drb)) (i32.shr_u (local.get $rt) (i32.const 3)))))
        (local.set $c (i32.const 0))
        (block $kdone (loop $knext
          (br_if $kdone (i32.ge_u (local.get $c) (i32.const ${16 * 128})))
          (v128.store (local.get $q) (v128.load offset=${SCRATCH} (local.get $c)))
          (local.set $q (i32.add (local.get $q) (local.get $drb)))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br $knext)))
        (local.set $rt (i32.add (local.get $rt) (i32.const 128)))
        (br $tnext)))
      (local.set $ct (i32.add (local.get $ct) (i32.const 16)))
      (br $cnext))))
)`;
}

export async function render() {
  return renderWasmModule({
    wabt: await wabtInit(),
    name: 'transpose.wat',
    wat: wat(),
    features: { simd: true },
    constName: 'TRANSPOSE_WASM_BASE64',
    header: 'GENERATED by scripts/build-transpose-wasm.mjs - do not edit.',
  });
}

await generatorMain(import.meta.url, outPath, render, 'node packages/jobs-psi/scripts/build-transpose-wasm.mjs');
