;; The int8 layers of a fully quantised YAMNet file (the classification file) in WebAssembly SIMD, exactly as
;; XNNPACK computes them: integer sums of the centred activations (q - zero point) with the int8 weights, plus the
;; int32 bias, then fp32 requantisation: round half to even of float32(sum * multiplier[channel]), clamped to the
;; output's centred range (a fused Relu6 is that clamp). Compiled to int8-kernels.wasm at build time
;; (scripts/build-wasm.js); int8-engine.ts lays out the memory and calls these functions.
;;
;; Activations are int16 (centred int8 values, -255..255): NHWC out of a GEMM, and in the GEMM's packed layout
;; (below) out of a depthwise layer. The int32 sum is converted to float32 before the multiply, as XNNPACK does.
(module
  (import "env" "memory" (memory 1))

  ;; Requantisation, written out in each kernel (no call per 8 outputs), of two i32x4 sums (eight channels) into
  ;; eight int16 values: float32(sum + bias) * multiplier, clamped to [low, high] (integers), then rounded half
  ;; to even by adding 1.5 * 2^23 (the float32 addition rounds to an integer there) and reading the integer back
  ;; from the bits. Same result as round-then-clamp, because the bounds are integers; pmin/pmax are single
  ;; instructions (no NaN can occur here).

  ;; A pointwise layer as a GEMM: out[p][co] = requantize(sum_ci in[p][ci] * w[co][ci] + bias[co]).
  ;; in: int16, packed per block of 4 pixels, per pair of input channels k: the 4 pixels' pairs (16 bytes),
  ;;    so one pointer and immediate offsets reach everything; cin a multiple of 4. Whole blocks of 4 pixels
  ;;    run 4 rows at a time, the last 1-3 pixels one row at a time.
  ;; w: int8 packed per block of 8 output channels, per pair k: 16 values,
  ;;    w[c0][2k] w[c0][2k+1] w[c1][2k] w[c1][2k+1] ... w[c7][2k+1] (i32x4.dot_i16x8_s takes pairs), widened
  ;;    to int16 as they load (v128.load8x8_s), so the weights move half the bytes.
  ;; bias: int32 [cout], mult: float32 [cout], out: int16 [pixels][cout] (NHWC), cout a multiple of 8.
  ;; list: nonzeroPairs' lists for this input; a block steps through its nonzero pairs only (the same offset 16 k
  ;; reaches pair k in the block's input and in the weights of any 8 output channels).
  (func (export "gemm")
        (param $in i32) (param $pixels i32) (param $cin i32) (param $w i32) (param $bias i32) (param $mult i32)
        (param $out i32) (param $cout i32) (param $lowf f32) (param $highf f32) (param $list i32)
    (local $low v128) (local $high v128) (local $magic v128) (local $magicBits v128)
    (local $block i32) (local $blocks i32) (local $wb i32) (local $p i32)
    (local $a i32) (local $wk i32) (local $o i32) (local $outRow i32)
    (local $bb i32) (local $mb i32) (local $full i32) (local $r i32) (local $ptr i32)
    (local $li i32) (local $liEnd i32) (local $k i32) (local $ak i32) (local $stride i32)
    (local $w0 v128) (local $w1 v128) (local $x v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local.set $magic (v128.const f32x4 12582912 12582912 12582912 12582912))
    (local.set $magicBits (v128.const i32x4 0x4b400000 0x4b400000 0x4b400000 0x4b400000))
    (local.set $low (f32x4.splat (local.get $lowf)))
    (local.set $high (f32x4.splat (local.get $highf)))
    (local.set $blocks (i32.shr_u (local.get $cout) (i32.const 3)))
    (local.set $full (i32.and (local.get $pixels) (i32.const -4)))
    (local.set $outRow (i32.shl (local.get $cout) (i32.const 1)))
    (local.set $stride (i32.add (i32.shl (local.get $cin) (i32.const 1)) (i32.const 4)))
    (local.set $block (i32.const 0))
    (loop $blockLoop
      (local.set $wb (i32.add (local.get $w) (i32.mul (local.get $block) (i32.shl (local.get $cin) (i32.const 3)))))
      (local.set $bb (i32.add (local.get $bias) (i32.shl (local.get $block) (i32.const 5))))
      (local.set $mb (i32.add (local.get $mult) (i32.shl (local.get $block) (i32.const 5))))
      (local.set $a (local.get $in))
      (local.set $o (i32.add (local.get $out) (i32.shl (local.get $block) (i32.const 4))))
      (local.set $p (i32.const 0))
      (block $noFullBlock
      (br_if $noFullBlock (i32.eqz (local.get $full)))
      (loop $pixelLoop
        (local.set $a00 (v128.const i32x4 0 0 0 0)) (local.set $a01 (v128.const i32x4 0 0 0 0))
        (local.set $a10 (v128.const i32x4 0 0 0 0)) (local.set $a11 (v128.const i32x4 0 0 0 0))
        (local.set $a20 (v128.const i32x4 0 0 0 0)) (local.set $a21 (v128.const i32x4 0 0 0 0))
        (local.set $a30 (v128.const i32x4 0 0 0 0)) (local.set $a31 (v128.const i32x4 0 0 0 0))
        (local.set $li (i32.add (local.get $list) (i32.mul (i32.shr_u (local.get $p) (i32.const 2)) (local.get $stride))))
        (local.set $liEnd (i32.add (i32.add (local.get $li) (i32.const 4)) (i32.shl (i32.load (local.get $li)) (i32.const 2))))
        (local.set $li (i32.add (local.get $li) (i32.const 4)))
        (block $noPairs
        (br_if $noPairs (i32.ge_u (local.get $li) (local.get $liEnd)))
        (loop $pairLoop
          (local.set $k (i32.load (local.get $li)))
          (local.set $wk (i32.add (local.get $wb) (local.get $k)))
          (local.set $ak (i32.add (local.get $a) (local.get $k)))
          (local.set $w0 (v128.load8x8_s (local.get $wk)))
          (local.set $w1 (v128.load8x8_s offset=8 (local.get $wk)))
          (local.set $x (v128.load32_splat (local.get $ak)))
          (local.set $a00 (i32x4.add (local.get $a00) (i32x4.dot_i16x8_s (local.get $x) (local.get $w0))))
          (local.set $a01 (i32x4.add (local.get $a01) (i32x4.dot_i16x8_s (local.get $x) (local.get $w1))))
          (local.set $x (v128.load32_splat offset=4 (local.get $ak)))
          (local.set $a10 (i32x4.add (local.get $a10) (i32x4.dot_i16x8_s (local.get $x) (local.get $w0))))
          (local.set $a11 (i32x4.add (local.get $a11) (i32x4.dot_i16x8_s (local.get $x) (local.get $w1))))
          (local.set $x (v128.load32_splat offset=8 (local.get $ak)))
          (local.set $a20 (i32x4.add (local.get $a20) (i32x4.dot_i16x8_s (local.get $x) (local.get $w0))))
          (local.set $a21 (i32x4.add (local.get $a21) (i32x4.dot_i16x8_s (local.get $x) (local.get $w1))))
          (local.set $x (v128.load32_splat offset=12 (local.get $ak)))
          (local.set $a30 (i32x4.add (local.get $a30) (i32x4.dot_i16x8_s (local.get $x) (local.get $w0))))
          (local.set $a31 (i32x4.add (local.get $a31) (i32x4.dot_i16x8_s (local.get $x) (local.get $w1))))
          (br_if $pairLoop (i32.lt_u (local.tee $li (i32.add (local.get $li) (i32.const 4))) (local.get $liEnd)))))
        (local.set $a (i32.add (local.get $a) (i32.shl (local.get $cin) (i32.const 3))))
        ;; four output rows at out + p * cout * 2 + block * 16
        (v128.store (local.get $o)
          (i16x8.narrow_i32x4_s
        (i32x4.sub
          (f32x4.add
            (f32x4.pmin
              (f32x4.pmax
                (f32x4.mul
                  (f32x4.convert_i32x4_s (i32x4.add (local.get $a00) (v128.load (local.get $bb))))
                  (v128.load (local.get $mb)))
                (local.get $low))
              (local.get $high))
            (local.get $magic))
          (local.get $magicBits))
        (i32x4.sub
          (f32x4.add
            (f32x4.pmin
              (f32x4.pmax
                (f32x4.mul
                  (f32x4.convert_i32x4_s (i32x4.add (local.get $a01) (v128.load offset=16 (local.get $bb))))
                  (v128.load offset=16 (local.get $mb)))
                (local.get $low))
              (local.get $high))
            (local.get $magic))
          (local.get $magicBits))))
        (local.set $o (i32.add (local.get $o) (local.get $outRow)))
        (v128.store (local.get $o)
          (i16x8.narrow_i32x4_s
        (i32x4.sub
          (f32x4.add
            (f32x4.pmin
              (f32x4.pmax
                (f32x4.mul
                  (f32x4.convert_i32x4_s (i32x4.add (local.get $a10) (v128.load (local.get $bb))))
                  (v128.load (local.get $mb)))
                (local.get $low))
              (local.get $high))
            (local.get $magic))
          (local.get $magicBits))
        (i32x4.sub
          (f32x4.add
            (f32x4.pmin
              (f32x4.pmax
                (f32x4.mul
                  (f32x4.convert_i32x4_s (i32x4.add (local.get $a11) (v128.load offset=16 (local.get $bb))))
                  (v128.load offset=16 (local.get $mb)))
                (local.get $low))
              (local.get $high))
            (local.get $magic))
          (local.get $magicBits))))
        (local.set $o (i32.add (local.get $o) (local.get $outRow)))
        (v128.store (local.get $o)
          (i16x8.narrow_i32x4_s
        (i32x4.sub
          (f32x4.add
            (f32x4.pmin
              (f32x4.pmax
                (f32x4.mul
                  (f32x4.convert_i32x4_s (i32x4.add (local.get $a20) (v128.load (local.get $bb))))
                  (v128.load (local.get $mb)))
                (local.get $low))
              (local.get $high))
            (local.get $magic))
          (local.get $magicBits))
        (i32x4.sub
          (f32x4.add
            (f32x4.pmin
              (f32x4.pmax
                (f32x4.mul
                  (f32x4.convert_i32x4_s (i32x4.add (local.get $a21) (v128.load offset=16 (local.get $bb))))
                  (v128.load offset=16 (local.get $mb)))
                (local.get $low))
              (local.get $high))
            (local.get $magic))
          (local.get $magicBits))))
        (local.set $o (i32.add (local.get $o) (local.get $outRow)))
        (v128.store (local.get $o)
          (i16x8.narrow_i32x4_s
        (i32x4.sub
          (f32x4.add
            (f32x4.pmin
              (f32x4.pmax
                (f32x4.mul
                  (f32x4.convert_i32x4_s (i32x4.add (local.get $a30) (v128.load (local.get $bb))))
                  (v128.load (local.get $mb)))
                (local.get $low))
              (local.get $high))
            (local.get $magic))
          (local.get $magicBits))
        (i32x4.sub
          (f32x4.add
            (f32x4.pmin
              (f32x4.pmax
                (f32x4.mul
                  (f32x4.convert_i32x4_s (i32x4.add (local.get $a31) (v128.load offset=16 (local.get $bb))))
                  (v128.load offset=16 (local.get $mb)))
                (local.get $low))
              (local.get $high))
            (local.get $magic))
          (local.get $magicBits))))
        (local.set $o (i32.add (local.get $o) (local.get $outRow)))
        (br_if $pixelLoop (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $full)))))
      ;; the last 1-3 pixels, one row at a time (row r of the last packed block)
      (local.set $r (local.get $full))
      (block $noTail
        (br_if $noTail (i32.ge_u (local.get $r) (local.get $pixels)))
        (loop $tailLoop
          (local.set $a00 (v128.const i32x4 0 0 0 0)) (local.set $a01 (v128.const i32x4 0 0 0 0))
          (local.set $ptr (i32.add (local.get $a) (i32.shl (i32.sub (local.get $r) (local.get $full)) (i32.const 2))))
          (local.set $li (i32.add (local.get $list) (i32.mul (i32.shr_u (local.get $full) (i32.const 2)) (local.get $stride))))
          (local.set $liEnd (i32.add (i32.add (local.get $li) (i32.const 4)) (i32.shl (i32.load (local.get $li)) (i32.const 2))))
          (local.set $li (i32.add (local.get $li) (i32.const 4)))
          (block $noTailPairs
          (br_if $noTailPairs (i32.ge_u (local.get $li) (local.get $liEnd)))
          (loop $tailPairLoop
            (local.set $k (i32.load (local.get $li)))
            (local.set $wk (i32.add (local.get $wb) (local.get $k)))
            (local.set $x (v128.load32_splat (i32.add (local.get $ptr) (local.get $k))))
            (local.set $a00 (i32x4.add (local.get $a00) (i32x4.dot_i16x8_s (local.get $x) (v128.load8x8_s (local.get $wk)))))
            (local.set $a01 (i32x4.add (local.get $a01)
              (i32x4.dot_i16x8_s (local.get $x) (v128.load8x8_s offset=8 (local.get $wk)))))
            (br_if $tailPairLoop (i32.lt_u (local.tee $li (i32.add (local.get $li) (i32.const 4))) (local.get $liEnd)))))
          (v128.store (local.get $o) (i16x8.narrow_i32x4_s
        (i32x4.sub
          (f32x4.add
            (f32x4.pmin
              (f32x4.pmax
                (f32x4.mul
                  (f32x4.convert_i32x4_s (i32x4.add (local.get $a00) (v128.load (local.get $bb))))
                  (v128.load (local.get $mb)))
                (local.get $low))
              (local.get $high))
            (local.get $magic))
          (local.get $magicBits))
        (i32x4.sub
          (f32x4.add
            (f32x4.pmin
              (f32x4.pmax
                (f32x4.mul
                  (f32x4.convert_i32x4_s (i32x4.add (local.get $a01) (v128.load offset=16 (local.get $bb))))
                  (v128.load offset=16 (local.get $mb)))
                (local.get $low))
              (local.get $high))
            (local.get $magic))
          (local.get $magicBits))))
          (local.set $o (i32.add (local.get $o) (local.get $outRow)))
          (br_if $tailLoop (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $pixels)))))
      (br_if $blockLoop (i32.lt_u (local.tee $block (i32.add (local.get $block) (i32.const 1))) (local.get $blocks)))))

  ;; The nonzero input pairs of a GEMM, per block of 4 pixels: list[b] = (count, then the byte offsets 16 k of the
  ;; pairs k whose 16-byte group holds a nonzero value in a real row of block b); blocks at a stride of
  ;; 4 + 2 cin bytes. A pair of zeros adds nothing to any sum, so the GEMM skips it (Relu6 leaves many).
  (func (export "nonzeroPairs") (param $in i32) (param $pixels i32) (param $cin i32) (param $list i32)
    (local $b i32) (local $blocks i32) (local $mask v128) (local $g i32) (local $gEnd i32) (local $head i32) (local $n i32)
    (local $k i32) (local $stride i32)
    (local.set $stride (i32.add (i32.shl (local.get $cin) (i32.const 1)) (i32.const 4)))
    (local.set $blocks (i32.shr_u (i32.add (local.get $pixels) (i32.const 3)) (i32.const 2)))
    (local.set $b (i32.const 0))
    (local.set $g (local.get $in))
    (loop $blockLoop
      ;; lane r (one pixel's pair) counts when r < pixels - 4 b
      (local.set $mask (i32x4.lt_s (v128.const i32x4 0 1 2 3)
        (i32x4.splat (i32.sub (local.get $pixels) (i32.shl (local.get $b) (i32.const 2))))))
      (local.set $head (i32.add (local.get $list) (i32.mul (local.get $b) (local.get $stride))))
      (local.set $n (i32.const 0))
      (local.set $k (i32.const 0))
      (local.set $gEnd (i32.shl (local.get $cin) (i32.const 3)))
      (loop $pairLoop
        (i32.store offset=4 (i32.add (local.get $head) (i32.shl (local.get $n) (i32.const 2))) (local.get $k))
        (local.set $n (i32.add (local.get $n)
          (v128.any_true (v128.and (v128.load (i32.add (local.get $g) (local.get $k))) (local.get $mask)))))
        (br_if $pairLoop (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 16))) (local.get $gEnd))))
      (i32.store (local.get $head) (local.get $n))
      (local.set $g (i32.add (local.get $g) (local.get $gEnd)))
      (br_if $blockLoop (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $blocks)))))

  ;; A 3x3 depthwise layer (depth multiplier 1): out[p][c] = requantize(sum over the 9 taps of
  ;; in[tap][c] * w[tap][c] + bias[c]). `table` gives, per output pixel, the byte addresses of its 9 input pixels
  ;; (int32, made once per layer): a tap outside the image points at zeros, so padding contributes nothing (its
  ;; centred value is 0) and nothing branches. Taps go in pairs: the two input pixels' 8 channels interleaved
  ;; (channels 0-3, then 4-7) meet weights stored the same way in one i32x4.dot_i16x8_s each; the ninth tap is
  ;; paired with itself against a zero weight. in: int16 NHWC; w: int16 per group of 8 channels, per tap pair,
  ;; 2 x 8 values ([c / 8][5][2][4][2], immediate offsets), c a multiple of 8.
  ;; out: int16 in the GEMM's packed layout (blocks of 4 pixels, per channel pair the 4 pixels' pairs).
  (func (export "depthwise3x3")
        (param $table i32) (param $pixels i32) (param $c i32) (param $w i32) (param $bias i32) (param $mult i32)
        (param $out i32) (param $lowf f32) (param $highf f32)
    (local $low v128) (local $high v128) (local $magic v128) (local $magicBits v128) (local $p i32) (local $g i32) (local $cBytes i32)
    (local $lo v128) (local $hi v128) (local $x v128) (local $y v128) (local $r v128)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $p4 i32) (local $p5 i32)
    (local $p6 i32) (local $p7 i32) (local $p8 i32) (local $wg i32) (local $dst i32) (local $bg i32) (local $mg i32)
    (local.set $magic (v128.const f32x4 12582912 12582912 12582912 12582912))
    (local.set $magicBits (v128.const i32x4 0x4b400000 0x4b400000 0x4b400000 0x4b400000))
    (local.set $low (f32x4.splat (local.get $lowf)))
    (local.set $high (f32x4.splat (local.get $highf)))
    (local.set $cBytes (i32.shl (local.get $c) (i32.const 1)))
    (local.set $p (i32.const 0))
    (loop $pixelLoop
      (local.set $p0 (i32.load (local.get $table)))
      (local.set $p1 (i32.load offset=4 (local.get $table)))
      (local.set $p2 (i32.load offset=8 (local.get $table)))
      (local.set $p3 (i32.load offset=12 (local.get $table)))
      (local.set $p4 (i32.load offset=16 (local.get $table)))
      (local.set $p5 (i32.load offset=20 (local.get $table)))
      (local.set $p6 (i32.load offset=24 (local.get $table)))
      (local.set $p7 (i32.load offset=28 (local.get $table)))
      (local.set $p8 (i32.load offset=32 (local.get $table)))
      ;; packed destination of this pixel: block (p / 4) of 4 * c int16, row (p % 4) inside each 16-byte pair group
      (local.set $dst (i32.add (local.get $out)
        (i32.add (i32.mul (i32.shr_u (local.get $p) (i32.const 2)) (i32.shl (local.get $c) (i32.const 3)))
                 (i32.shl (i32.and (local.get $p) (i32.const 3)) (i32.const 2)))))
      (local.set $wg (local.get $w))
      (local.set $bg (local.get $bias))
      (local.set $mg (local.get $mult))
      (local.set $g (i32.const 0))
      (loop $groupLoop
        (local.set $x (v128.load (i32.add (local.get $p0) (local.get $g))))
        (local.set $y (v128.load (i32.add (local.get $p1) (local.get $g))))
        (local.set $lo (i32x4.dot_i16x8_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $x) (local.get $y)) (v128.load offset=0 (local.get $wg))))
        (local.set $hi (i32x4.dot_i16x8_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $x) (local.get $y)) (v128.load offset=16 (local.get $wg))))
        (local.set $x (v128.load (i32.add (local.get $p2) (local.get $g))))
        (local.set $y (v128.load (i32.add (local.get $p3) (local.get $g))))
        (local.set $lo (i32x4.add (local.get $lo) (i32x4.dot_i16x8_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $x) (local.get $y)) (v128.load offset=32 (local.get $wg)))))
        (local.set $hi (i32x4.add (local.get $hi) (i32x4.dot_i16x8_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $x) (local.get $y)) (v128.load offset=48 (local.get $wg)))))
        (local.set $x (v128.load (i32.add (local.get $p4) (local.get $g))))
        (local.set $y (v128.load (i32.add (local.get $p5) (local.get $g))))
        (local.set $lo (i32x4.add (local.get $lo) (i32x4.dot_i16x8_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $x) (local.get $y)) (v128.load offset=64 (local.get $wg)))))
        (local.set $hi (i32x4.add (local.get $hi) (i32x4.dot_i16x8_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $x) (local.get $y)) (v128.load offset=80 (local.get $wg)))))
        (local.set $x (v128.load (i32.add (local.get $p6) (local.get $g))))
        (local.set $y (v128.load (i32.add (local.get $p7) (local.get $g))))
        (local.set $lo (i32x4.add (local.get $lo) (i32x4.dot_i16x8_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $x) (local.get $y)) (v128.load offset=96 (local.get $wg)))))
        (local.set $hi (i32x4.add (local.get $hi) (i32x4.dot_i16x8_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $x) (local.get $y)) (v128.load offset=112 (local.get $wg)))))
        (local.set $x (v128.load (i32.add (local.get $p8) (local.get $g))))
        (local.set $y (local.get $x))
        (local.set $lo (i32x4.add (local.get $lo) (i32x4.dot_i16x8_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $x) (local.get $y)) (v128.load offset=128 (local.get $wg)))))
        (local.set $hi (i32x4.add (local.get $hi) (i32x4.dot_i16x8_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $x) (local.get $y)) (v128.load offset=144 (local.get $wg)))))
        (local.set $r (i16x8.narrow_i32x4_s
        (i32x4.sub
          (f32x4.add
            (f32x4.pmin
              (f32x4.pmax
                (f32x4.mul
                  (f32x4.convert_i32x4_s (i32x4.add (local.get $lo) (v128.load (local.get $bg))))
                  (v128.load (local.get $mg)))
                (local.get $low))
              (local.get $high))
            (local.get $magic))
          (local.get $magicBits))
        (i32x4.sub
          (f32x4.add
            (f32x4.pmin
              (f32x4.pmax
                (f32x4.mul
                  (f32x4.convert_i32x4_s (i32x4.add (local.get $hi) (v128.load offset=16 (local.get $bg))))
                  (v128.load offset=16 (local.get $mg)))
                (local.get $low))
              (local.get $high))
            (local.get $magic))
          (local.get $magicBits))))
        ;; the four channel pairs of this group go to four consecutive 16-byte pair groups
        (v128.store32_lane 0 (local.get $dst) (local.get $r))
        (v128.store32_lane offset=16 1 (local.get $dst) (local.get $r))
        (v128.store32_lane offset=32 2 (local.get $dst) (local.get $r))
        (v128.store32_lane offset=48 3 (local.get $dst) (local.get $r))
        (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
        (local.set $wg (i32.add (local.get $wg) (i32.const 160)))
        (local.set $bg (i32.add (local.get $bg) (i32.const 32)))
        (local.set $mg (i32.add (local.get $mg) (i32.const 32)))
        (br_if $groupLoop (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 16))) (local.get $cBytes))))
      (local.set $table (i32.add (local.get $table) (i32.const 36)))
      (br_if $pixelLoop (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $pixels)))))

  ;; The input QUANTIZE: dst[i] = clamp(roundHalfEven(float32(src[i] * inverseScale)), low, high) (centred), four
  ;; at a time (n a multiple of 4); rounding by the same 1.5 * 2^23 addition, after the clamp.
  (func (export "quantize")
        (param $src i32) (param $n i32) (param $inverse f32) (param $lowf f32) (param $highf f32) (param $dst i32)
    (local $i i32) (local $scale v128) (local $low v128) (local $high v128) (local $v v128)
    (local.set $scale (f32x4.splat (local.get $inverse)))
    (local.set $low (f32x4.splat (local.get $lowf)))
    (local.set $high (f32x4.splat (local.get $highf)))
    (local.set $i (i32.const 0))
    (loop $quantizeLoop
      (local.set $v (i32x4.sub
        (f32x4.add
          (f32x4.pmin
            (f32x4.pmax (f32x4.mul (v128.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))
                                   (local.get $scale))
                        (local.get $low))
            (local.get $high))
          (v128.const f32x4 12582912 12582912 12582912 12582912))
        (v128.const i32x4 0x4b400000 0x4b400000 0x4b400000 0x4b400000)))
      (v128.store64_lane 0 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 1)))
        (i16x8.narrow_i32x4_s (local.get $v) (local.get $v)))
      (br_if $quantizeLoop (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $n)))))

  ;; im2col by table: dst[i] = the int16 at byte address table[i] (a zero for padding and filler), i < n.
  (func (export "gather16") (param $table i32) (param $n i32) (param $dst i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 1))))
    (loop $gatherLoop
      (i32.store16 (local.get $dst) (i32.load16_s (i32.load (local.get $table))))
      (local.set $table (i32.add (local.get $table) (i32.const 4)))
      (br_if $gatherLoop (i32.lt_u (local.tee $dst (i32.add (local.get $dst) (i32.const 2))) (local.get $end)))))
)
