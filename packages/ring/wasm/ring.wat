;; Z_2^64 / Z_2^128 kernels for @sfw/ring (hand-written WebAssembly text; compiled by
;; scripts/build-wasm.mjs with the `wabt` npm package into src/wasm-bytes.ts).
;;
;; Every function takes byte offsets into this module's memory and an element count. FM64
;; elements are one i64; FM128 elements are two i64 limbs, low limb first (the RingTensor layout).
;; Arithmetic wraps mod 2^64 natively; FM128 carries are computed with unsigned compares, and the
;; 64x64->128 product (WebAssembly has no mul-high) from four 32x32->64 partial products.
(module
  (memory (export "memory") 2)

  ;; Scalar columns per matmul64 panel next to the four SIMD columns: 1, 2 or 3 (matmul64Tile; see matmul64).
  (global $scalarCols (mut i32) (i32.const 1))
  (func (export "matmul64Tile") (param $sc i32)
    (global.set $scalarCols (select (local.get $sc) (i32.const 1) (i32.lt_u (i32.sub (local.get $sc) (i32.const 1)) (i32.const 3)))))

  ;; ---------------------------------------------------------------- FM64 elementwise
  (func (export "add64") (param $a i32) (param $b i32) (param $o i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    ;; two lanes per step with SIMD, then a scalar tail
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $end)))
      (v128.store (local.get $o) (i64x2.add (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l)))
    (if (i32.lt_u (local.get $o) (local.get $end))
      (then (i64.store (local.get $o) (i64.add (i64.load (local.get $a)) (i64.load (local.get $b)))))))

  (func (export "sub64") (param $a i32) (param $b i32) (param $o i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $end)))
      (v128.store (local.get $o) (i64x2.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l)))
    (if (i32.lt_u (local.get $o) (local.get $end))
      (then (i64.store (local.get $o) (i64.sub (i64.load (local.get $a)) (i64.load (local.get $b)))))))

  (func (export "neg64") (param $a i32) (param $o i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $end)))
      (v128.store (local.get $o) (i64x2.neg (v128.load (local.get $a))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l)))
    (if (i32.lt_u (local.get $o) (local.get $end))
      (then (i64.store (local.get $o) (i64.sub (i64.const 0) (i64.load (local.get $a)))))))

  (func (export "mul64") (param $a i32) (param $b i32) (param $o i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $o) (local.get $end)))
      (i64.store (local.get $o) (i64.mul (i64.load (local.get $a)) (i64.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (local.set $b (i32.add (local.get $b) (i32.const 8)))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $l))))

  (func (export "muladd64") (param $a i32) (param $b i32) (param $c i32) (param $o i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $o) (local.get $end)))
      (i64.store (local.get $o)
        (i64.add (i64.mul (i64.load (local.get $a)) (i64.load (local.get $b))) (i64.load (local.get $c))))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (local.set $b (i32.add (local.get $b) (i32.const 8)))
      (local.set $c (i32.add (local.get $c) (i32.const 8)))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $l))))

  (func (export "mulsc64") (param $a i32) (param $s i64) (param $o i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $o) (local.get $end)))
      (i64.store (local.get $o) (i64.mul (i64.load (local.get $a)) (local.get $s)))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $l))))

  (func (export "addsc64") (param $a i32) (param $s i64) (param $o i32) (param $n i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $v (i64x2.splat (local.get $s)))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $end)))
      (v128.store (local.get $o) (i64x2.add (v128.load (local.get $a)) (local.get $v)))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l)))
    (if (i32.lt_u (local.get $o) (local.get $end))
      (then (i64.store (local.get $o) (i64.add (i64.load (local.get $a)) (local.get $s))))))

  ;; $kind: 0 arithmetic right, 1 logical right, 2 left; 0 <= $s < 64. One SIMD loop per kind (the
  ;; kind is tested once, not per element), then at most one scalar element.
  (func (export "shift64") (param $a i32) (param $s i64) (param $kind i32) (param $o i32) (param $n i32)
    (local $end i32) (local $c i32) (local $x i64)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $c (i32.wrap_i64 (local.get $s)))
    (if (i32.eqz (local.get $kind))
      (then (block $d (loop $l
          (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $end)))
          (v128.store (local.get $o) (i64x2.shr_s (v128.load (local.get $a)) (local.get $c)))
          (local.set $a (i32.add (local.get $a) (i32.const 16)))
          (local.set $o (i32.add (local.get $o) (i32.const 16)))
          (br $l))))
      (else (if (i32.eq (local.get $kind) (i32.const 1))
        (then (block $d (loop $l
          (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $end)))
          (v128.store (local.get $o) (i64x2.shr_u (v128.load (local.get $a)) (local.get $c)))
          (local.set $a (i32.add (local.get $a) (i32.const 16)))
          (local.set $o (i32.add (local.get $o) (i32.const 16)))
          (br $l))))
        (else (block $d (loop $l
          (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $end)))
          (v128.store (local.get $o) (i64x2.shl (v128.load (local.get $a)) (local.get $c)))
          (local.set $a (i32.add (local.get $a) (i32.const 16)))
          (local.set $o (i32.add (local.get $o) (i32.const 16)))
          (br $l)))))))
    (if (i32.lt_u (local.get $o) (local.get $end))
      (then
        (local.set $x (i64.load (local.get $a)))
        (i64.store (local.get $o)
          (if (result i64) (i32.eqz (local.get $kind))
            (then (i64.shr_s (local.get $x) (local.get $s)))
            (else (if (result i64) (i32.eq (local.get $kind) (i32.const 1))
              (then (i64.shr_u (local.get $x) (local.get $s)))
              (else (i64.shl (local.get $x) (local.get $s))))))))))

  ;; ---------------------------------------------------------------- 128-bit helpers
  ;; High 64 bits of the unsigned 128-bit product x*y, from 32-bit halves (schoolbook).
  (func $mulhi (param $x i64) (param $y i64) (result i64)
    (local $x0 i64) (local $x1 i64) (local $y0 i64) (local $y1 i64)
    (local $p00 i64) (local $p01 i64) (local $p10 i64) (local $mid i64)
    (local.set $x0 (i64.and (local.get $x) (i64.const 0xffffffff)))
    (local.set $x1 (i64.shr_u (local.get $x) (i64.const 32)))
    (local.set $y0 (i64.and (local.get $y) (i64.const 0xffffffff)))
    (local.set $y1 (i64.shr_u (local.get $y) (i64.const 32)))
    (local.set $p00 (i64.mul (local.get $x0) (local.get $y0)))
    (local.set $p01 (i64.mul (local.get $x0) (local.get $y1)))
    (local.set $p10 (i64.mul (local.get $x1) (local.get $y0)))
    ;; middle column: carry-in from p00 plus the low halves of the cross products (< 3*2^32)
    (local.set $mid (i64.add (i64.add (i64.shr_u (local.get $p00) (i64.const 32))
                                      (i64.and (local.get $p01) (i64.const 0xffffffff)))
                             (i64.and (local.get $p10) (i64.const 0xffffffff))))
    (i64.add (i64.add (i64.mul (local.get $x1) (local.get $y1))
                      (i64.shr_u (local.get $mid) (i64.const 32)))
             (i64.add (i64.shr_u (local.get $p01) (i64.const 32))
                      (i64.shr_u (local.get $p10) (i64.const 32)))))

  ;; ---------------------------------------------------------------- FM128 elementwise
  (func (export "add128") (param $a i32) (param $b i32) (param $o i32) (param $n i32)
    (local $end i32) (local $lo i64) (local $al i64)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 4))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $al (i64.load (local.get $a)))
      (local.set $lo (i64.add (local.get $al) (i64.load (local.get $b))))
      (i64.store (local.get $o) (local.get $lo))
      (i64.store offset=8 (local.get $o)
        (i64.add (i64.add (i64.load offset=8 (local.get $a)) (i64.load offset=8 (local.get $b)))
                 (i64.extend_i32_u (i64.lt_u (local.get $lo) (local.get $al)))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l))))

  (func (export "sub128") (param $a i32) (param $b i32) (param $o i32) (param $n i32)
    (local $end i32) (local $al i64) (local $bl i64)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 4))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $al (i64.load (local.get $a)))
      (local.set $bl (i64.load (local.get $b)))
      (i64.store (local.get $o) (i64.sub (local.get $al) (local.get $bl)))
      (i64.store offset=8 (local.get $o)
        (i64.sub (i64.sub (i64.load offset=8 (local.get $a)) (i64.load offset=8 (local.get $b)))
                 (i64.extend_i32_u (i64.lt_u (local.get $al) (local.get $bl)))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l))))

  (func (export "neg128") (param $a i32) (param $o i32) (param $n i32)
    (local $end i32) (local $al i64)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 4))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $al (i64.load (local.get $a)))
      (i64.store (local.get $o) (i64.sub (i64.const 0) (local.get $al)))
      (i64.store offset=8 (local.get $o)
        (i64.sub (i64.sub (i64.const 0) (i64.load offset=8 (local.get $a)))
                 (i64.extend_i32_u (i64.ne (local.get $al) (i64.const 0)))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l))))

  ;; (ah:al)*(bh:bl) mod 2^128 = al*bl + ((ah*bl + al*bh) << 64)
  (func (export "mul128") (param $a i32) (param $b i32) (param $o i32) (param $n i32)
    (local $end i32) (local $al i64) (local $bl i64) (local $pl i64) (local $ph i64)
    (local $x0 i64) (local $x1 i64) (local $y0 i64) (local $y1 i64) (local $p00 i64) (local $p01 i64) (local $p10 i64) (local $mid i64)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 4))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $al (i64.load (local.get $a)))
      (local.set $bl (i64.load (local.get $b)))
      (local.set $x0 (i64.and (local.get $al) (i64.const 0xffffffff)))
      (local.set $x1 (i64.shr_u (local.get $al) (i64.const 32)))
      (local.set $y0 (i64.and (local.get $bl) (i64.const 0xffffffff)))
      (local.set $y1 (i64.shr_u (local.get $bl) (i64.const 32)))
      (local.set $p00 (i64.mul (local.get $x0) (local.get $y0)))
      (local.set $p01 (i64.mul (local.get $x0) (local.get $y1)))
      (local.set $p10 (i64.mul (local.get $x1) (local.get $y0)))
      (local.set $mid (i64.add (i64.add (i64.shr_u (local.get $p00) (i64.const 32))
                                        (i64.and (local.get $p01) (i64.const 0xffffffff)))
                               (i64.and (local.get $p10) (i64.const 0xffffffff))))
      (local.set $pl (i64.or (i64.shl (local.get $mid) (i64.const 32)) (i64.and (local.get $p00) (i64.const 0xffffffff))))
      (local.set $ph (i64.add (i64.add (i64.mul (local.get $x1) (local.get $y1)) (i64.shr_u (local.get $mid) (i64.const 32)))
                              (i64.add (i64.shr_u (local.get $p01) (i64.const 32)) (i64.shr_u (local.get $p10) (i64.const 32)))))
      (i64.store offset=8 (local.get $o)
        (i64.add (local.get $ph)
          (i64.add (i64.mul (i64.load offset=8 (local.get $a)) (local.get $bl))
                   (i64.mul (local.get $al) (i64.load offset=8 (local.get $b))))))
      (i64.store (local.get $o) (local.get $pl))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l))))

  (func (export "muladd128") (param $a i32) (param $b i32) (param $c i32) (param $o i32) (param $n i32)
    (local $end i32) (local $al i64) (local $bl i64) (local $pl i64) (local $lo i64) (local $ph i64)
    (local $x0 i64) (local $x1 i64) (local $y0 i64) (local $y1 i64) (local $p00 i64) (local $p01 i64) (local $p10 i64) (local $mid i64)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 4))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $al (i64.load (local.get $a)))
      (local.set $bl (i64.load (local.get $b)))
      (local.set $x0 (i64.and (local.get $al) (i64.const 0xffffffff)))
      (local.set $x1 (i64.shr_u (local.get $al) (i64.const 32)))
      (local.set $y0 (i64.and (local.get $bl) (i64.const 0xffffffff)))
      (local.set $y1 (i64.shr_u (local.get $bl) (i64.const 32)))
      (local.set $p00 (i64.mul (local.get $x0) (local.get $y0)))
      (local.set $p01 (i64.mul (local.get $x0) (local.get $y1)))
      (local.set $p10 (i64.mul (local.get $x1) (local.get $y0)))
      (local.set $mid (i64.add (i64.add (i64.shr_u (local.get $p00) (i64.const 32))
                                        (i64.and (local.get $p01) (i64.const 0xffffffff)))
                               (i64.and (local.get $p10) (i64.const 0xffffffff))))
      (local.set $pl (i64.or (i64.shl (local.get $mid) (i64.const 32)) (i64.and (local.get $p00) (i64.const 0xffffffff))))
      (local.set $ph (i64.add (i64.add (i64.mul (local.get $x1) (local.get $y1)) (i64.shr_u (local.get $mid) (i64.const 32)))
                              (i64.add (i64.shr_u (local.get $p01) (i64.const 32)) (i64.shr_u (local.get $p10) (i64.const 32)))))
      (local.set $ph (i64.add (local.get $ph)
          (i64.add (i64.mul (i64.load offset=8 (local.get $a)) (local.get $bl))
                   (i64.mul (local.get $al) (i64.load offset=8 (local.get $b))))))
      (local.set $lo (i64.add (local.get $pl) (i64.load (local.get $c))))
      (i64.store offset=8 (local.get $o)
        (i64.add (i64.add (local.get $ph) (i64.load offset=8 (local.get $c)))
                 (i64.extend_i32_u (i64.lt_u (local.get $lo) (local.get $pl)))))
      (i64.store (local.get $o) (local.get $lo))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l))))

  (func (export "mulsc128") (param $a i32) (param $sl i64) (param $sh i64) (param $o i32) (param $n i32)
    (local $end i32) (local $al i64)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 4))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $al (i64.load (local.get $a)))
      (i64.store offset=8 (local.get $o)
        (i64.add (call $mulhi (local.get $al) (local.get $sl))
          (i64.add (i64.mul (i64.load offset=8 (local.get $a)) (local.get $sl))
                   (i64.mul (local.get $al) (local.get $sh)))))
      (i64.store (local.get $o) (i64.mul (local.get $al) (local.get $sl)))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l))))

  (func (export "addsc128") (param $a i32) (param $sl i64) (param $sh i64) (param $o i32) (param $n i32)
    (local $end i32) (local $lo i64)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 4))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $lo (i64.add (i64.load (local.get $a)) (local.get $sl)))
      (i64.store offset=8 (local.get $o)
        (i64.add (i64.add (i64.load offset=8 (local.get $a)) (local.get $sh))
                 (i64.extend_i32_u (i64.lt_u (local.get $lo) (local.get $sl)))))
      (i64.store (local.get $o) (local.get $lo))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l))))

  ;; $kind: 0 arithmetic right, 1 logical right, 2 left; 1 <= $s < 128
  (func (export "shift128") (param $a i32) (param $s i64) (param $kind i32) (param $o i32) (param $n i32)
    (local $end i32) (local $lo i64) (local $hi i64) (local $rs i64) (local $nlo i64) (local $nhi i64)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 4))))
    (local.set $rs (i64.sub (i64.const 64) (local.get $s))) ;; used when s < 64
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $lo (i64.load (local.get $a)))
      (local.set $hi (i64.load offset=8 (local.get $a)))
      (if (i64.lt_u (local.get $s) (i64.const 64))
        (then
          (if (i32.eq (local.get $kind) (i32.const 2))
            (then
              (local.set $nhi (i64.or (i64.shl (local.get $hi) (local.get $s)) (i64.shr_u (local.get $lo) (local.get $rs))))
              (local.set $nlo (i64.shl (local.get $lo) (local.get $s))))
            (else
              (local.set $nlo (i64.or (i64.shr_u (local.get $lo) (local.get $s)) (i64.shl (local.get $hi) (local.get $rs))))
              (local.set $nhi (if (result i64) (i32.eqz (local.get $kind))
                (then (i64.shr_s (local.get $hi) (local.get $s)))
                (else (i64.shr_u (local.get $hi) (local.get $s))))))))
        (else
          (if (i32.eq (local.get $kind) (i32.const 2))
            (then
              (local.set $nhi (i64.shl (local.get $lo) (i64.sub (local.get $s) (i64.const 64))))
              (local.set $nlo (i64.const 0)))
            (else
              (if (i32.eqz (local.get $kind))
                (then
                  (local.set $nlo (i64.shr_s (local.get $hi) (i64.sub (local.get $s) (i64.const 64))))
                  (local.set $nhi (i64.shr_s (local.get $hi) (i64.const 63))))
                (else
                  (local.set $nlo (i64.shr_u (local.get $hi) (i64.sub (local.get $s) (i64.const 64))))
                  (local.set $nhi (i64.const 0))))))))
      (i64.store (local.get $o) (local.get $nlo))
      (i64.store offset=8 (local.get $o) (local.get $nhi))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l))))

  ;; ---------------------------------------------------------------- Winograd block additions (FM64)
  ;; One pass each for the four S (or T) blocks of a Strassen-Winograd level (linalg.ts's identities)
  ;; instead of four passes that each read two blocks: at the first level of a 1000^3 product the
  ;; blocks are 2 MB and the additions run at memory speed, so reads of 4 blocks instead of 8 matter.
  ;; S1 = A21 + A22, S2 = S1 - A11, S3 = A11 - A21, S4 = A12 - S2 (n elements per block).
  (func (export "winoS64") (param $a11 i32) (param $a12 i32) (param $a21 i32) (param $a22 i32)
                           (param $s1 i32) (param $s2 i32) (param $s3 i32) (param $s4 i32) (param $n i32)
    (local $i i32) (local $end i32) (local $x11 v128) (local $x21 v128) (local $t1 v128) (local $t2 v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
      (local.set $x11 (v128.load (i32.add (local.get $a11) (local.get $i))))
      (local.set $x21 (v128.load (i32.add (local.get $a21) (local.get $i))))
      (local.set $t1 (i64x2.add (local.get $x21) (v128.load (i32.add (local.get $a22) (local.get $i)))))
      (local.set $t2 (i64x2.sub (local.get $t1) (local.get $x11)))
      (v128.store (i32.add (local.get $s1) (local.get $i)) (local.get $t1))
      (v128.store (i32.add (local.get $s2) (local.get $i)) (local.get $t2))
      (v128.store (i32.add (local.get $s3) (local.get $i)) (i64x2.sub (local.get $x11) (local.get $x21)))
      (v128.store (i32.add (local.get $s4) (local.get $i)) (i64x2.sub (v128.load (i32.add (local.get $a12) (local.get $i))) (local.get $t2)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l)))
    (if (i32.lt_u (local.get $i) (local.get $end))
      (then
        (i64.store (i32.add (local.get $s1) (local.get $i))
          (i64.add (i64.load (i32.add (local.get $a21) (local.get $i))) (i64.load (i32.add (local.get $a22) (local.get $i)))))
        (i64.store (i32.add (local.get $s2) (local.get $i))
          (i64.sub (i64.load (i32.add (local.get $s1) (local.get $i))) (i64.load (i32.add (local.get $a11) (local.get $i)))))
        (i64.store (i32.add (local.get $s3) (local.get $i))
          (i64.sub (i64.load (i32.add (local.get $a11) (local.get $i))) (i64.load (i32.add (local.get $a21) (local.get $i)))))
        (i64.store (i32.add (local.get $s4) (local.get $i))
          (i64.sub (i64.load (i32.add (local.get $a12) (local.get $i))) (i64.load (i32.add (local.get $s2) (local.get $i))))))))

  ;; T1 = B12 - B11, T2 = B22 - T1, T3 = B22 - B12, T4 = T2 - B21 (n elements per block).
  (func (export "winoT64") (param $b11 i32) (param $b12 i32) (param $b21 i32) (param $b22 i32)
                           (param $t1 i32) (param $t2 i32) (param $t3 i32) (param $t4 i32) (param $n i32)
    (local $i i32) (local $end i32) (local $x12 v128) (local $x22 v128) (local $u1 v128) (local $u2 v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
      (local.set $x12 (v128.load (i32.add (local.get $b12) (local.get $i))))
      (local.set $x22 (v128.load (i32.add (local.get $b22) (local.get $i))))
      (local.set $u1 (i64x2.sub (local.get $x12) (v128.load (i32.add (local.get $b11) (local.get $i)))))
      (local.set $u2 (i64x2.sub (local.get $x22) (local.get $u1)))
      (v128.store (i32.add (local.get $t1) (local.get $i)) (local.get $u1))
      (v128.store (i32.add (local.get $t2) (local.get $i)) (local.get $u2))
      (v128.store (i32.add (local.get $t3) (local.get $i)) (i64x2.sub (local.get $x22) (local.get $x12)))
      (v128.store (i32.add (local.get $t4) (local.get $i)) (i64x2.sub (local.get $u2) (v128.load (i32.add (local.get $b21) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l)))
    (if (i32.lt_u (local.get $i) (local.get $end))
      (then
        (i64.store (i32.add (local.get $t1) (local.get $i))
          (i64.sub (i64.load (i32.add (local.get $b12) (local.get $i))) (i64.load (i32.add (local.get $b11) (local.get $i)))))
        (i64.store (i32.add (local.get $t2) (local.get $i))
          (i64.sub (i64.load (i32.add (local.get $b22) (local.get $i))) (i64.load (i32.add (local.get $t1) (local.get $i)))))
        (i64.store (i32.add (local.get $t3) (local.get $i))
          (i64.sub (i64.load (i32.add (local.get $b22) (local.get $i))) (i64.load (i32.add (local.get $b12) (local.get $i)))))
        (i64.store (i32.add (local.get $t4) (local.get $i))
          (i64.sub (i64.load (i32.add (local.get $t2) (local.get $i))) (i64.load (i32.add (local.get $b21) (local.get $i))))))))

  ;; o += a + b, or o += a - b when $neg (n elements): a level's result quarter takes two of its
  ;; blocks in one pass.
  (func (export "addpm64") (param $o i32) (param $a i32) (param $b i32) (param $neg i32) (param $n i32)
    (local $i i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    (if (local.get $neg)
      (then
        (block $d (loop $l
          (br_if $d (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
          (v128.store (i32.add (local.get $o) (local.get $i)) (i64x2.add (v128.load (i32.add (local.get $o) (local.get $i)))
            (i64x2.sub (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i))))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $l)))
        (if (i32.lt_u (local.get $i) (local.get $end))
          (then (i64.store (i32.add (local.get $o) (local.get $i)) (i64.add (i64.load (i32.add (local.get $o) (local.get $i)))
            (i64.sub (i64.load (i32.add (local.get $a) (local.get $i))) (i64.load (i32.add (local.get $b) (local.get $i)))))))))
      (else
        (block $d (loop $l
          (br_if $d (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
          (v128.store (i32.add (local.get $o) (local.get $i)) (i64x2.add (v128.load (i32.add (local.get $o) (local.get $i)))
            (i64x2.add (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i))))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $l)))
        (if (i32.lt_u (local.get $i) (local.get $end))
          (then (i64.store (i32.add (local.get $o) (local.get $i)) (i64.add (i64.load (i32.add (local.get $o) (local.get $i)))
            (i64.add (i64.load (i32.add (local.get $a) (local.get $i))) (i64.load (i32.add (local.get $b) (local.get $i)))))))))))

  ;; ---------------------------------------------------------------- matmul
  ;; O (m x n) += A (m x k) . B (k x n), row-major, O zeroed by the caller (FM64: exact mod 2^64).
  ;; Vectorised over four columns of O with the 32-bit halves of each element: with a = ah 2^32 + al
  ;; and b = bh 2^32 + bl, a b = al bl + 2^32 (al bh + ah bl) mod 2^64, and only the low 32 bits of
  ;; the cross terms matter, so a sum of products is (sum al bl) + 2^32 (sum (al bh + ah bl) mod 2^32):
  ;; the first sum in i64x2 lanes (i64x2.extmul of 32-bit lanes), the second in i32x4 lanes (i32x4.mul
  ;; keeps the low 32 bits, and wrapping i32 adds are exact mod 2^32). The two are combined once per
  ;; output element per k-block. On Zen 4 the SIMD multipliers beat the one scalar 64-bit multiplier
  ;; per cycle (1.5x); WebAssembly's i64x2.mul itself is emulated with three 32-bit multiplies per
  ;; lane and is slower than scalar.
  ;; Next to the vector lanes, one to three more columns run on the scalar 64-bit multiplier (i64.mul,
  ;; $scalarCols, set per instance by the loader from the CPU vendor through matmul64Tile): the
  ;; vector form spends two unpacks per extmul and two-uop 32-bit multiplies (about 3.5 vector uops
  ;; per multiply-add, all on the ports the vector adds also need), while a scalar column costs one
  ;; multiply on its own port and one integer add, so a panel is fastest with as many scalar columns
  ;; as V8 keeps in registers. Intel Xeon (Sapphire Rapids class, AVX-512 core, WASM SIMD is 128-bit),
  ;; raw kernel, CPU time: 4 vector columns alone 2.5-2.8 G multiply-adds/s, all-scalar 3.2-3.4,
  ;; 4 + 2 3.7-4.1 at 125^3-250^3, 4 + 3 4.0-4.3 (+3 to +8%); with four scalar columns (or a one-row
  ;; tile with four to six) V8 spills accumulators and the kernel is 5-15% slower than with two.
  ;; On an AMD EPYC (Zen 3) VM, raw kernel A/B in one process (CPU time, alternating): 4 vector + 1
  ;; scalar 3.6-4.0 G/s at 125^3-500^3 against 3.2-3.4 with two scalar columns (+11 to +23%); three or
  ;; four scalar columns, a three-row tile and unrolling t by two were 10-17% slower there.
  ;; Blocking: k in blocks of KC, 256 when m <= 320 (A's block of rows, m x KC x 8 bytes, then takes
  ;; at most 640 KiB of L2) else 128, and at most what keeps the packed panel within the 12 KiB of
  ;; scratch (219 for seven columns); fewer k-blocks mean fewer read-write passes over O (at 500^3 on
  ;; a Xeon: 3.3 G/s with 256 against 3.0 with 128; at 250^3 on Zen 3, 64 and 128 were no better than
  ;; 256). Per block and per group of w = 4 + $scalarCols columns, B's rows tt..tend are packed into
  ;; $scr (per t: four low words, four high words, then the scalar columns' elements: 8 w bytes),
  ;; then every pair of rows of A runs over that panel with its 2 x 4 vector and 2 x 1..3 scalar
  ;; accumulators in registers (A's block of rows stays in L2 across panels, the panel in L1). The
  ;; last panel takes whatever is left when that is 4 to w columns (a 125-column leaf of the Winograd
  ;; levels runs 17 panels of 7 and one of 6), so only fewer than four leftover columns take the
  ;; scalar 1 x 1 loop ($mm64row). An odd last row runs the two-row loop with both rows on it and
  ;; stores one (its second row's results are dropped): at full speed instead of the 1 x 1 loop.
  ;; $scr: 12 KiB of scratch memory that overlaps no operand.
  (func (export "matmul64") (param $a i32) (param $b i32) (param $o i32) (param $m i32) (param $k i32) (param $n i32) (param $scr i32)
    (local $w i32) (local $kc i32) (local $j i32) (local $p i32) (local $q i32) (local $i i32) (local $tt i32) (local $tend i32)
    (local $pa i32) (local $pb i32) (local $po i32) (local $ks i32) (local $rs i32) (local $pn i32) (local $ps i32) (local $wide i32) (local $kq i32)
    (local $bl v128) (local $bh v128) (local $al v128) (local $ah v128)
    (local $c0 v128) (local $l00 v128) (local $l01 v128) (local $c1 v128) (local $l10 v128) (local $l11 v128)
    (local $s00 i64) (local $s01 i64) (local $s02 i64) (local $s10 i64) (local $s11 i64) (local $s12 i64) (local $a0 i64) (local $a1 i64) (local $bx i64)
    (local.set $wide (i32.add (i32.const 4) (global.get $scalarCols)))
    (local.set $ks (i32.shl (local.get $k) (i32.const 3)))
    (local.set $rs (i32.shl (local.get $n) (i32.const 3)))
    (local.set $kc (select (i32.const 256) (i32.const 128) (i32.le_u (local.get $m) (i32.const 320))))
    (local.set $kc (select (local.get $kc) (i32.div_u (i32.const 12288) (i32.shl (local.get $wide) (i32.const 3)))
      (i32.le_u (i32.mul (local.get $kc) (i32.shl (local.get $wide) (i32.const 3))) (i32.const 12288))))
    (local.set $tt (i32.const 0))
    (block $dk (loop $lk
      (br_if $dk (i32.ge_u (local.get $tt) (local.get $k)))
      (local.set $tend (select (i32.add (local.get $tt) (local.get $kc)) (local.get $k) (i32.lt_u (i32.add (local.get $tt) (local.get $kc)) (local.get $k))))
      (local.set $j (i32.const 0))
      (block $dj (loop $lj
        (local.set $w (select (local.get $wide) (i32.sub (local.get $n) (local.get $j)) (i32.le_u (i32.add (local.get $j) (local.get $wide)) (local.get $n))))
        (br_if $dj (i32.lt_s (local.get $w) (i32.const 4)))
        (local.set $ps (i32.shl (local.get $w) (i32.const 3)))
        (local.set $q (i32.add (local.get $b) (i32.add (i32.mul (local.get $tt) (local.get $rs)) (i32.shl (local.get $j) (i32.const 3)))))
        (local.set $p (local.get $scr))
        (local.set $pn (i32.add (local.get $scr) (i32.mul (i32.sub (local.get $tend) (local.get $tt)) (local.get $ps))))
        (block $dp (loop $lp
          (br_if $dp (i32.ge_u (local.get $p) (local.get $pn)))
          (local.set $bl (v128.load (local.get $q)))
          (local.set $bh (v128.load offset=16 (local.get $q)))
          (v128.store (local.get $p) (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $bl) (local.get $bh)))
          (v128.store offset=16 (local.get $p) (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $bl) (local.get $bh)))
          (if (i32.gt_u (local.get $w) (i32.const 4)) (then (i64.store offset=32 (local.get $p) (i64.load offset=32 (local.get $q)))))
          (if (i32.gt_u (local.get $w) (i32.const 5)) (then (i64.store offset=40 (local.get $p) (i64.load offset=40 (local.get $q)))))
          (if (i32.gt_u (local.get $w) (i32.const 6)) (then (i64.store offset=48 (local.get $p) (i64.load offset=48 (local.get $q)))))
          (local.set $q (i32.add (local.get $q) (local.get $rs)))
          (local.set $p (i32.add (local.get $p) (local.get $ps)))
          (br $lp)))
        (local.set $i (i32.const 0))
        (block $di (loop $li
          (br_if $di (i32.ge_u (local.get $i) (local.get $m)))
          (local.set $kq (select (local.get $ks) (i32.const 0) (i32.le_u (i32.add (local.get $i) (i32.const 2)) (local.get $m))))
          (local.set $c0 (v128.const i64x2 0 0)) (local.set $l00 (v128.const i64x2 0 0)) (local.set $l01 (v128.const i64x2 0 0))
          (local.set $c1 (v128.const i64x2 0 0)) (local.set $l10 (v128.const i64x2 0 0)) (local.set $l11 (v128.const i64x2 0 0))
          (local.set $s00 (i64.const 0)) (local.set $s01 (i64.const 0)) (local.set $s02 (i64.const 0)) (local.set $s10 (i64.const 0)) (local.set $s11 (i64.const 0)) (local.set $s12 (i64.const 0))
          (local.set $pa (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $tt)) (i32.const 3))))
          (local.set $pb (local.get $scr))
          (if (i32.eq (local.get $w) (i32.const 4)) (then
            (block $dt (loop $lt
              (br_if $dt (i32.ge_u (local.get $pb) (local.get $pn)))
              (local.set $bl (v128.load (local.get $pb)))
              (local.set $bh (v128.load offset=16 (local.get $pb)))
              (local.set $q (i32.add (local.get $pa) (local.get $kq)))
              (local.set $al (v128.load32_splat (local.get $pa)))
              (local.set $ah (v128.load32_splat offset=4 (local.get $pa)))
              (local.set $c0 (i32x4.add (local.get $c0) (i32x4.add (i32x4.mul (local.get $al) (local.get $bh)) (i32x4.mul (local.get $ah) (local.get $bl)))))
              (local.set $l00 (i64x2.add (local.get $l00) (i64x2.extmul_low_i32x4_u (local.get $al) (local.get $bl))))
              (local.set $l01 (i64x2.add (local.get $l01) (i64x2.extmul_high_i32x4_u (local.get $al) (local.get $bl))))
              (local.set $al (v128.load32_splat (local.get $q)))
              (local.set $ah (v128.load32_splat offset=4 (local.get $q)))
              (local.set $c1 (i32x4.add (local.get $c1) (i32x4.add (i32x4.mul (local.get $al) (local.get $bh)) (i32x4.mul (local.get $ah) (local.get $bl)))))
              (local.set $l10 (i64x2.add (local.get $l10) (i64x2.extmul_low_i32x4_u (local.get $al) (local.get $bl))))
              (local.set $l11 (i64x2.add (local.get $l11) (i64x2.extmul_high_i32x4_u (local.get $al) (local.get $bl))))
              (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
              (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
              (br $lt)))
          ) (else
            (if (i32.eq (local.get $w) (i32.const 5)) (then
              (block $dt (loop $lt
                (br_if $dt (i32.ge_u (local.get $pb) (local.get $pn)))
                (local.set $bl (v128.load (local.get $pb)))
                (local.set $bh (v128.load offset=16 (local.get $pb)))
                (local.set $q (i32.add (local.get $pa) (local.get $kq)))
                (local.set $al (v128.load32_splat (local.get $pa)))
                (local.set $ah (v128.load32_splat offset=4 (local.get $pa)))
                (local.set $c0 (i32x4.add (local.get $c0) (i32x4.add (i32x4.mul (local.get $al) (local.get $bh)) (i32x4.mul (local.get $ah) (local.get $bl)))))
                (local.set $l00 (i64x2.add (local.get $l00) (i64x2.extmul_low_i32x4_u (local.get $al) (local.get $bl))))
                (local.set $l01 (i64x2.add (local.get $l01) (i64x2.extmul_high_i32x4_u (local.get $al) (local.get $bl))))
                (local.set $al (v128.load32_splat (local.get $q)))
                (local.set $ah (v128.load32_splat offset=4 (local.get $q)))
                (local.set $c1 (i32x4.add (local.get $c1) (i32x4.add (i32x4.mul (local.get $al) (local.get $bh)) (i32x4.mul (local.get $ah) (local.get $bl)))))
                (local.set $l10 (i64x2.add (local.get $l10) (i64x2.extmul_low_i32x4_u (local.get $al) (local.get $bl))))
                (local.set $l11 (i64x2.add (local.get $l11) (i64x2.extmul_high_i32x4_u (local.get $al) (local.get $bl))))
                (local.set $a0 (i64.load (local.get $pa)))
                (local.set $a1 (i64.load (local.get $q)))
                (local.set $bx (i64.load offset=32 (local.get $pb)))
                (local.set $s00 (i64.add (local.get $s00) (i64.mul (local.get $a0) (local.get $bx))))
                (local.set $s10 (i64.add (local.get $s10) (i64.mul (local.get $a1) (local.get $bx))))
                (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
                (local.set $pb (i32.add (local.get $pb) (i32.const 40)))
                (br $lt)))
            ) (else
              (if (i32.eq (local.get $w) (i32.const 6)) (then
                (block $dt (loop $lt
                  (br_if $dt (i32.ge_u (local.get $pb) (local.get $pn)))
                  (local.set $bl (v128.load (local.get $pb)))
                  (local.set $bh (v128.load offset=16 (local.get $pb)))
                  (local.set $q (i32.add (local.get $pa) (local.get $kq)))
                  (local.set $al (v128.load32_splat (local.get $pa)))
                  (local.set $ah (v128.load32_splat offset=4 (local.get $pa)))
                  (local.set $c0 (i32x4.add (local.get $c0) (i32x4.add (i32x4.mul (local.get $al) (local.get $bh)) (i32x4.mul (local.get $ah) (local.get $bl)))))
                  (local.set $l00 (i64x2.add (local.get $l00) (i64x2.extmul_low_i32x4_u (local.get $al) (local.get $bl))))
                  (local.set $l01 (i64x2.add (local.get $l01) (i64x2.extmul_high_i32x4_u (local.get $al) (local.get $bl))))
                  (local.set $al (v128.load32_splat (local.get $q)))
                  (local.set $ah (v128.load32_splat offset=4 (local.get $q)))
                  (local.set $c1 (i32x4.add (local.get $c1) (i32x4.add (i32x4.mul (local.get $al) (local.get $bh)) (i32x4.mul (local.get $ah) (local.get $bl)))))
                  (local.set $l10 (i64x2.add (local.get $l10) (i64x2.extmul_low_i32x4_u (local.get $al) (local.get $bl))))
                  (local.set $l11 (i64x2.add (local.get $l11) (i64x2.extmul_high_i32x4_u (local.get $al) (local.get $bl))))
                  (local.set $a0 (i64.load (local.get $pa)))
                  (local.set $a1 (i64.load (local.get $q)))
                  (local.set $bx (i64.load offset=32 (local.get $pb)))
                  (local.set $s00 (i64.add (local.get $s00) (i64.mul (local.get $a0) (local.get $bx))))
                  (local.set $s10 (i64.add (local.get $s10) (i64.mul (local.get $a1) (local.get $bx))))
                  (local.set $bx (i64.load offset=40 (local.get $pb)))
                  (local.set $s01 (i64.add (local.get $s01) (i64.mul (local.get $a0) (local.get $bx))))
                  (local.set $s11 (i64.add (local.get $s11) (i64.mul (local.get $a1) (local.get $bx))))
                  (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
                  (local.set $pb (i32.add (local.get $pb) (i32.const 48)))
                  (br $lt)))
              ) (else
                (block $dt (loop $lt
                  (br_if $dt (i32.ge_u (local.get $pb) (local.get $pn)))
                  (local.set $bl (v128.load (local.get $pb)))
                  (local.set $bh (v128.load offset=16 (local.get $pb)))
                  (local.set $q (i32.add (local.get $pa) (local.get $kq)))
                  (local.set $al (v128.load32_splat (local.get $pa)))
                  (local.set $ah (v128.load32_splat offset=4 (local.get $pa)))
                  (local.set $c0 (i32x4.add (local.get $c0) (i32x4.add (i32x4.mul (local.get $al) (local.get $bh)) (i32x4.mul (local.get $ah) (local.get $bl)))))
                  (local.set $l00 (i64x2.add (local.get $l00) (i64x2.extmul_low_i32x4_u (local.get $al) (local.get $bl))))
                  (local.set $l01 (i64x2.add (local.get $l01) (i64x2.extmul_high_i32x4_u (local.get $al) (local.get $bl))))
                  (local.set $al (v128.load32_splat (local.get $q)))
                  (local.set $ah (v128.load32_splat offset=4 (local.get $q)))
                  (local.set $c1 (i32x4.add (local.get $c1) (i32x4.add (i32x4.mul (local.get $al) (local.get $bh)) (i32x4.mul (local.get $ah) (local.get $bl)))))
                  (local.set $l10 (i64x2.add (local.get $l10) (i64x2.extmul_low_i32x4_u (local.get $al) (local.get $bl))))
                  (local.set $l11 (i64x2.add (local.get $l11) (i64x2.extmul_high_i32x4_u (local.get $al) (local.get $bl))))
                  (local.set $a0 (i64.load (local.get $pa)))
                  (local.set $a1 (i64.load (local.get $q)))
                  (local.set $bx (i64.load offset=32 (local.get $pb)))
                  (local.set $s00 (i64.add (local.get $s00) (i64.mul (local.get $a0) (local.get $bx))))
                  (local.set $s10 (i64.add (local.get $s10) (i64.mul (local.get $a1) (local.get $bx))))
                  (local.set $bx (i64.load offset=40 (local.get $pb)))
                  (local.set $s01 (i64.add (local.get $s01) (i64.mul (local.get $a0) (local.get $bx))))
                  (local.set $s11 (i64.add (local.get $s11) (i64.mul (local.get $a1) (local.get $bx))))
                  (local.set $bx (i64.load offset=48 (local.get $pb)))
                  (local.set $s02 (i64.add (local.get $s02) (i64.mul (local.get $a0) (local.get $bx))))
                  (local.set $s12 (i64.add (local.get $s12) (i64.mul (local.get $a1) (local.get $bx))))
                  (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
                  (local.set $pb (i32.add (local.get $pb) (i32.const 56)))
                  (br $lt)))
              ))
            ))
          ))
          (local.set $po (i32.add (local.get $o) (i32.add (i32.mul (local.get $i) (local.get $rs)) (i32.shl (local.get $j) (i32.const 3)))))
          (v128.store (local.get $po) (i64x2.add (v128.load (local.get $po)) (i64x2.add (local.get $l00) (i64x2.shl (i64x2.extend_low_i32x4_u (local.get $c0)) (i32.const 32)))))
          (v128.store offset=16 (local.get $po) (i64x2.add (v128.load offset=16 (local.get $po)) (i64x2.add (local.get $l01) (i64x2.shl (i64x2.extend_high_i32x4_u (local.get $c0)) (i32.const 32)))))
          (if (i32.gt_u (local.get $w) (i32.const 4)) (then (i64.store offset=32 (local.get $po) (i64.add (i64.load offset=32 (local.get $po)) (local.get $s00)))))
          (if (i32.gt_u (local.get $w) (i32.const 5)) (then (i64.store offset=40 (local.get $po) (i64.add (i64.load offset=40 (local.get $po)) (local.get $s01)))))
          (if (i32.gt_u (local.get $w) (i32.const 6)) (then (i64.store offset=48 (local.get $po) (i64.add (i64.load offset=48 (local.get $po)) (local.get $s02)))))
          (if (local.get $kq) (then
          (local.set $po (i32.add (local.get $po) (local.get $rs)))
          (v128.store (local.get $po) (i64x2.add (v128.load (local.get $po)) (i64x2.add (local.get $l10) (i64x2.shl (i64x2.extend_low_i32x4_u (local.get $c1)) (i32.const 32)))))
          (v128.store offset=16 (local.get $po) (i64x2.add (v128.load offset=16 (local.get $po)) (i64x2.add (local.get $l11) (i64x2.shl (i64x2.extend_high_i32x4_u (local.get $c1)) (i32.const 32)))))
          (if (i32.gt_u (local.get $w) (i32.const 4)) (then (i64.store offset=32 (local.get $po) (i64.add (i64.load offset=32 (local.get $po)) (local.get $s10)))))
          (if (i32.gt_u (local.get $w) (i32.const 5)) (then (i64.store offset=40 (local.get $po) (i64.add (i64.load offset=40 (local.get $po)) (local.get $s11)))))
          (if (i32.gt_u (local.get $w) (i32.const 6)) (then (i64.store offset=48 (local.get $po) (i64.add (i64.load offset=48 (local.get $po)) (local.get $s12)))))
          ))
          (local.set $i (i32.add (local.get $i) (i32.const 2)))
          (br $li)))
        (local.set $j (i32.add (local.get $j) (local.get $w)))
        (br $lj)))
      (if (i32.lt_u (local.get $j) (local.get $n)) (then
        (local.set $i (i32.const 0))
        (block $dr (loop $lr
          (br_if $dr (i32.ge_u (local.get $i) (local.get $m)))
          (call $mm64row (local.get $a) (local.get $b) (local.get $o) (local.get $i) (local.get $k) (local.get $n) (local.get $tt) (local.get $tend) (local.get $j) (local.get $n))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $lr)))))
      (local.set $tt (local.get $tend))
      (br $lk))))

  ;; O[i, j0..j1) += sum over t in [t0, t1) of A[i, t] * B[t, j0..j1)   (1x1 fallback)
  (func $mm64row (param $a i32) (param $b i32) (param $o i32) (param $i i32) (param $k i32) (param $n i32)
                 (param $t0 i32) (param $t1 i32) (param $j0 i32) (param $j1 i32)
    (local $t i32) (local $a0 i64) (local $pb i32) (local $po i32) (local $pe i32) (local $rs i32)
    (local.set $rs (i32.shl (local.get $n) (i32.const 3)))
    (local.set $t (local.get $t0))
    (block $dt (loop $lt
      (br_if $dt (i32.ge_u (local.get $t) (local.get $t1)))
      (local.set $a0 (i64.load (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $t)) (i32.const 3)))))
      (local.set $pb (i32.add (local.get $b) (i32.add (i32.mul (local.get $t) (local.get $rs)) (i32.shl (local.get $j0) (i32.const 3)))))
      (local.set $po (i32.add (local.get $o) (i32.add (i32.mul (local.get $i) (local.get $rs)) (i32.shl (local.get $j0) (i32.const 3)))))
      (local.set $pe (i32.add (local.get $po) (i32.shl (i32.sub (local.get $j1) (local.get $j0)) (i32.const 3))))
      (block $dj (loop $lj
        (br_if $dj (i32.ge_u (local.get $po) (local.get $pe)))
        (i64.store (local.get $po) (i64.add (i64.load (local.get $po)) (i64.mul (local.get $a0) (i64.load (local.get $pb)))))
        (local.set $pb (i32.add (local.get $pb) (i32.const 8)))
        (local.set $po (i32.add (local.get $po) (i32.const 8)))
        (br $lj)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $lt))))

  ;; FM128: tiles of 64 rows of B by 128 columns (16 B each), one row of A at a time; each step is a
  ;; 128-bit multiply-accumulate. $scr is unused (the same arguments as matmul64).
  (func (export "matmul128") (param $a i32) (param $b i32) (param $o i32) (param $m i32) (param $k i32) (param $n i32) (param $scr i32)
    (local $jj i32) (local $jend i32) (local $tt i32) (local $tend i32) (local $i i32) (local $t i32)
    (local $al i64) (local $ah i64) (local $bl i64) (local $pl i64) (local $ph i64) (local $lo i64)
    (local $x0 i64) (local $x1 i64) (local $y0 i64) (local $y1 i64) (local $p00 i64) (local $p01 i64) (local $p10 i64) (local $mid i64)
    (local $pb i32) (local $po i32) (local $pe i32) (local $rs i32) (local $pa i32)
    (local.set $rs (i32.shl (local.get $n) (i32.const 4)))
    (local.set $jj (i32.const 0))
    (block $dj (loop $lj
      (br_if $dj (i32.ge_u (local.get $jj) (local.get $n)))
      (local.set $jend (select (i32.add (local.get $jj) (i32.const 128)) (local.get $n)
        (i32.lt_u (i32.add (local.get $jj) (i32.const 128)) (local.get $n))))
      (local.set $tt (i32.const 0))
      (block $dt (loop $lt
        (br_if $dt (i32.ge_u (local.get $tt) (local.get $k)))
        (local.set $tend (select (i32.add (local.get $tt) (i32.const 64)) (local.get $k)
          (i32.lt_u (i32.add (local.get $tt) (i32.const 64)) (local.get $k))))
        (local.set $i (i32.const 0))
        (block $di (loop $li
          (br_if $di (i32.ge_u (local.get $i) (local.get $m)))
          (local.set $t (local.get $tt))
          (block $dt1 (loop $lt1
            (br_if $dt1 (i32.ge_u (local.get $t) (local.get $tend)))
            (local.set $pa (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $t)) (i32.const 4))))
            (local.set $al (i64.load (local.get $pa)))
            (local.set $ah (i64.load offset=8 (local.get $pa)))
            (local.set $x0 (i64.and (local.get $al) (i64.const 0xffffffff)))
            (local.set $x1 (i64.shr_u (local.get $al) (i64.const 32)))
            (local.set $pb (i32.add (local.get $b) (i32.add (i32.mul (local.get $t) (local.get $rs)) (i32.shl (local.get $jj) (i32.const 4)))))
            (local.set $po (i32.add (local.get $o) (i32.add (i32.mul (local.get $i) (local.get $rs)) (i32.shl (local.get $jj) (i32.const 4)))))
            (local.set $pe (i32.add (local.get $po) (i32.shl (i32.sub (local.get $jend) (local.get $jj)) (i32.const 4))))
            (block $dj1 (loop $lj1
              (br_if $dj1 (i32.ge_u (local.get $po) (local.get $pe)))
              (local.set $bl (i64.load (local.get $pb)))
              ;; 64x64->128 of al*bl inline (the halves of al are loop-invariant: $x0/$x1 set outside)
              (local.set $y0 (i64.and (local.get $bl) (i64.const 0xffffffff)))
              (local.set $y1 (i64.shr_u (local.get $bl) (i64.const 32)))
              (local.set $p00 (i64.mul (local.get $x0) (local.get $y0)))
              (local.set $p01 (i64.mul (local.get $x0) (local.get $y1)))
              (local.set $p10 (i64.mul (local.get $x1) (local.get $y0)))
              (local.set $mid (i64.add (i64.add (i64.shr_u (local.get $p00) (i64.const 32))
                                                (i64.and (local.get $p01) (i64.const 0xffffffff)))
                                       (i64.and (local.get $p10) (i64.const 0xffffffff))))
              (local.set $pl (i64.or (i64.shl (local.get $mid) (i64.const 32)) (i64.and (local.get $p00) (i64.const 0xffffffff))))
              (local.set $ph (i64.add
                (i64.add (i64.add (i64.mul (local.get $x1) (local.get $y1)) (i64.shr_u (local.get $mid) (i64.const 32)))
                         (i64.add (i64.shr_u (local.get $p01) (i64.const 32)) (i64.shr_u (local.get $p10) (i64.const 32))))
                (i64.add (i64.mul (local.get $ah) (local.get $bl))
                         (i64.mul (local.get $al) (i64.load offset=8 (local.get $pb))))))
              (local.set $lo (i64.add (local.get $pl) (i64.load (local.get $po))))
              (i64.store offset=8 (local.get $po)
                (i64.add (i64.add (local.get $ph) (i64.load offset=8 (local.get $po)))
                         (i64.extend_i32_u (i64.lt_u (local.get $lo) (local.get $pl)))))
              (i64.store (local.get $po) (local.get $lo))
              (local.set $pb (i32.add (local.get $pb) (i32.const 16)))
              (local.set $po (i32.add (local.get $po) (i32.const 16)))
              (br $lj1)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $lt1)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $li)))
        (local.set $tt (local.get $tend))
        (br $lt)))
      (local.set $jj (local.get $jend))
      (br $lj))))
)
