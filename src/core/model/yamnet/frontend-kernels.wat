;; YAMNet's log-mel frame in WebAssembly (frontend.ts lays out the memory and has the same steps in JavaScript,
;; which this reproduces operation for operation, so both give the same bits):
;;   window (float32 products) -> 256-point complex FFT of the even/odd samples in float64 (radix 2, one complex
;;   number per f64x2) -> split into the 257 bins of the 512-point real transform, parts rounded to float32,
;;   |X| = float32(sqrt(re^2 + im^2)) -> sparse mel bands, each a chain of float32-rounded multiply-adds ->
;;   XNNPACK's float32 log, every step rounded as the JavaScript does.
;; Compiled to frontend-kernels.wasm at build time (scripts/build-wasm.js).
;;
;; Two frames per call, one in each f64x2 lane, the same operations lane by lane (so each lane has the bits of a
;; frame computed alone); a lone frame runs with both lanes on the same samples.
;;
;; Memory (byte offsets are parameters, fixed by frontend.ts):
;;   $samplesA / $samplesB  400 x f32 each (the frames, written by the caller)   $window 400 x f32
;;   $xa / $xb  512 x f32 windowed frames (last 112 stay 0)   $reverse 256 x i32 (bit reversal)
;;   $re2 / $im2  256 x f64x2 (lane = frame)   $cs 255 (cos, sin) f64 stage twiddles   $split 257 x (cos, sin) f64
;;   $magnitude2  257 x (A, B) f64   $bands 64 x (first, count) i32   $melK / $melW nonzero bins (i32), weights (f64)
;;   $melBias  64 x f64   $outA / $outB  64 x f32 each
(module
  (import "env" "memory" (memory 1))

  ;; XNNPACK's float32 log as frontend.ts's xnnpackLog computes it (float64 steps rounded to float32), on both
  ;; lanes of an f64x2 at once (lane by lane the same operations, so the same bits as one value at a time).
  (func $log (param $x v128) (result v128)
    (local $word v128) (local $e v128) (local $m v128) (local $t v128) (local $p v128) (local $q v128)
    (local.set $word (f32x4.demote_f64x2_zero (f64x2.mul (local.get $x) (f64x2.splat (f64.promote_f32 (f32.const 1.414213419))))))
    (local.set $e (f64x2.convert_low_i32x4_s
      (i32x4.sub (v128.and (i32x4.shr_u (local.get $word) (i32.const 23)) (v128.const i32x4 255 255 255 255))
                 (v128.const i32x4 127 127 127 127))))
    (local.set $m (f64x2.promote_low_f32x4
      (v128.or (v128.and (local.get $word) (v128.const i32x4 0x007fffff 0x007fffff 0x007fffff 0x007fffff))
               (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))))
    (local.set $t (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.sub (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.mul (local.get $m) (f64x2.splat (f64.promote_f32 (f32.const 0.70710688829)))))) (v128.const f64x2 1 1)))))
    ;; p = t (t (t P1 + 1) + 1)
    (local.set $p (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (local.get $t) (f64x2.splat (f64.promote_f32 (f32.const 0.182499691844)))) (v128.const f64x2 1 1)))))
    (local.set $p (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (local.get $t) (local.get $p)) (v128.const f64x2 1 1)))))
    (local.set $p (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.mul (local.get $t) (local.get $p)))))
    ;; q = t (t (t Q1 + Q2) + 1.5) + 1
    (local.set $q (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (local.get $t) (f64x2.splat (f64.promote_f32 (f32.const 0.049584995955)))) (f64x2.splat (f64.promote_f32 (f32.const 0.599170029163)))))))
    (local.set $q (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (local.get $t) (local.get $q)) (v128.const f64x2 1.5 1.5)))))
    (local.set $q (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (local.get $t) (local.get $q)) (v128.const f64x2 1 1)))))
    (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (local.get $e) (f64x2.splat (f64.promote_f32 (f32.const 0.69314718055994531)))) (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.div (local.get $p) (local.get $q))))))))

  ;; Windowing, the FFT and the split of two frames: reads $samplesA and $samplesB, writes the 257 (A, B)
  ;; magnitude pairs to $magnitude2.
  (func (export "spectrum2")
        (param $samplesA i32) (param $samplesB i32) (param $window i32) (param $xa i32) (param $xb i32)
        (param $reverse i32) (param $re2 i32) (param $im2 i32) (param $cs i32) (param $split i32)
        (param $magnitude2 i32)
    (local $i i32) (local $r i32) (local $v v128) (local $w v128)
    (local $size i32) (local $halfBytes i32) (local $j i32) (local $tw i32) (local $c v128) (local $s v128)
    (local $pa i32) (local $end i32) (local $stride i32) (local $bre v128) (local $bim v128) (local $are v128)
    (local $aim v128) (local $tre v128) (local $tim v128)
    (local $k i32) (local $p i32) (local $q i32) (local $ar v128) (local $ai v128) (local $br v128) (local $bi v128)
    (local $er v128) (local $ei v128) (local $or v128) (local $oi v128) (local $xr v128) (local $xi v128)
    (local $half v128)
    ;; windows: four samples at a time
    (local.set $i (i32.const 0))
    (loop $windowLoop
      (local.set $w (v128.load (i32.add (local.get $window) (local.get $i))))
      (v128.store (i32.add (local.get $xa) (local.get $i))
        (f32x4.mul (v128.load (i32.add (local.get $samplesA) (local.get $i))) (local.get $w)))
      (v128.store (i32.add (local.get $xb) (local.get $i))
        (f32x4.mul (v128.load (i32.add (local.get $samplesB) (local.get $i))) (local.get $w)))
      (br_if $windowLoop (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (i32.const 1600))))
    ;; re2[i] = (xa[2r], xb[2r]), im2[i] = (xa[2r+1], xb[2r+1])
    (local.set $i (i32.const 0))
    (loop $gatherLoop
      (local.set $r (i32.shl (i32.load (i32.add (local.get $reverse) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 3)))
      ;; (a0, b0, a1, b1)
      (local.set $v (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
        (v128.load64_zero (i32.add (local.get $xa) (local.get $r)))
        (v128.load64_zero (i32.add (local.get $xb) (local.get $r)))))
      (v128.store (i32.add (local.get $re2) (i32.shl (local.get $i) (i32.const 4))) (f64x2.promote_low_f32x4 (local.get $v)))
      (v128.store (i32.add (local.get $im2) (i32.shl (local.get $i) (i32.const 4)))
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
      (br_if $gatherLoop (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 256))))
    ;; radix-2 stages: t = b (c - i s) per lane
    (local.set $tw (local.get $cs))
    (local.set $size (i32.const 2))
    (local.set $end (i32.add (local.get $re2) (i32.const 4096)))
    (loop $stageLoop
      (local.set $halfBytes (i32.shl (local.get $size) (i32.const 3)))
      (local.set $stride (i32.shl (local.get $size) (i32.const 4)))
      (local.set $j (i32.const 0))
      (loop $twiddleLoop
        (local.set $c (v128.load64_splat (local.get $tw)))
        (local.set $s (v128.load64_splat offset=8 (local.get $tw)))
        (local.set $pa (i32.add (local.get $re2) (local.get $j)))
        (loop $butterflyLoop
          ;; im2 is re2 + (im2 - re2): one pointer for both
          (local.set $bre (v128.load (i32.add (local.get $pa) (local.get $halfBytes))))
          (local.set $bim (v128.load (i32.add (i32.add (local.get $pa) (local.get $halfBytes))
                                              (i32.sub (local.get $im2) (local.get $re2)))))
          (local.set $tre (f64x2.add (f64x2.mul (local.get $bre) (local.get $c)) (f64x2.mul (local.get $bim) (local.get $s))))
          (local.set $tim (f64x2.sub (f64x2.mul (local.get $bim) (local.get $c)) (f64x2.mul (local.get $bre) (local.get $s))))
          (local.set $are (v128.load (local.get $pa)))
          (local.set $aim (v128.load (i32.add (local.get $pa) (i32.sub (local.get $im2) (local.get $re2)))))
          (v128.store (i32.add (local.get $pa) (local.get $halfBytes)) (f64x2.sub (local.get $are) (local.get $tre)))
          (v128.store (i32.add (i32.add (local.get $pa) (local.get $halfBytes)) (i32.sub (local.get $im2) (local.get $re2)))
            (f64x2.sub (local.get $aim) (local.get $tim)))
          (v128.store (local.get $pa) (f64x2.add (local.get $are) (local.get $tre)))
          (v128.store (i32.add (local.get $pa) (i32.sub (local.get $im2) (local.get $re2)))
            (f64x2.add (local.get $aim) (local.get $tim)))
          (br_if $butterflyLoop (i32.lt_u (local.tee $pa (i32.add (local.get $pa) (local.get $stride))) (local.get $end))))
        (local.set $tw (i32.add (local.get $tw) (i32.const 16)))
        (br_if $twiddleLoop (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $halfBytes))))
      (br_if $stageLoop (i32.le_u (local.tee $size (i32.shl (local.get $size) (i32.const 1))) (i32.const 256))))
    ;; X[k] = E[k] + exp(-2 pi i k / 512) O[k] (halving by a multiply by 0.5: exact, the same bits as / 2)
    (local.set $half (f64x2.splat (f64.const 0.5)))
    (local.set $k (i32.const 0))
    (loop $splitLoop
      (local.set $p (i32.shl (i32.and (local.get $k) (i32.const 255)) (i32.const 4)))
      (local.set $q (i32.shl (i32.and (i32.sub (i32.const 256) (local.get $k)) (i32.const 255)) (i32.const 4)))
      (local.set $ar (v128.load (i32.add (local.get $re2) (local.get $p))))
      (local.set $ai (v128.load (i32.add (local.get $im2) (local.get $p))))
      (local.set $br (v128.load (i32.add (local.get $re2) (local.get $q))))
      (local.set $bi (f64x2.neg (v128.load (i32.add (local.get $im2) (local.get $q)))))
      (local.set $er (f64x2.mul (f64x2.add (local.get $ar) (local.get $br)) (local.get $half)))
      (local.set $ei (f64x2.mul (f64x2.add (local.get $ai) (local.get $bi)) (local.get $half)))
      (local.set $or (f64x2.mul (f64x2.sub (local.get $ai) (local.get $bi)) (local.get $half)))
      (local.set $oi (f64x2.mul (f64x2.neg (f64x2.sub (local.get $ar) (local.get $br))) (local.get $half)))
      (local.set $c (v128.load64_splat (i32.add (local.get $split) (i32.shl (local.get $k) (i32.const 4)))))
      (local.set $s (v128.load64_splat offset=8 (i32.add (local.get $split) (i32.shl (local.get $k) (i32.const 4)))))
      (local.set $xr (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
        (f64x2.add (f64x2.add (local.get $er) (f64x2.mul (local.get $c) (local.get $or)))
                   (f64x2.mul (local.get $s) (local.get $oi))))))
      (local.set $xi (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
        (f64x2.sub (f64x2.add (local.get $ei) (f64x2.mul (local.get $c) (local.get $oi)))
                   (f64x2.mul (local.get $s) (local.get $or))))))
      (v128.store (i32.add (local.get $magnitude2) (i32.shl (local.get $k) (i32.const 4)))
        (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.sqrt
          (f64x2.add (f64x2.mul (local.get $xr) (local.get $xr)) (f64x2.mul (local.get $xi) (local.get $xi)))))))
      (br_if $splitLoop (i32.le_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 256)))))

  ;; The 64 log-mel values of two frames: (A, B) magnitude pairs in, 64 values to $outA and to $outB; per band
  ;; acc = bias, then acc = f32(|X|[k] w + acc) over its nonzero bins, then the log.
  (func (export "melLog2")
        (param $magnitude2 i32) (param $bands i32) (param $melK i32) (param $melW i32) (param $melBias i32)
        (param $outA i32) (param $outB i32)
    (local $band i32) (local $j i32) (local $end i32) (local $acc v128)
    (local.set $band (i32.const 0))
    (loop $bandLoop
      (local.set $acc (v128.load64_splat (i32.add (local.get $melBias) (i32.shl (local.get $band) (i32.const 3)))))
      (local.set $j (i32.load (i32.add (local.get $bands) (i32.shl (local.get $band) (i32.const 3)))))
      (local.set $end (i32.add (local.get $j)
        (i32.load offset=4 (i32.add (local.get $bands) (i32.shl (local.get $band) (i32.const 3))))))
      (block $empty
        (br_if $empty (i32.ge_u (local.get $j) (local.get $end)))
        (loop $binLoop
          (local.set $acc (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.add
            (f64x2.mul
              (v128.load (i32.add (local.get $magnitude2)
                (i32.shl (i32.load (i32.add (local.get $melK) (i32.shl (local.get $j) (i32.const 2)))) (i32.const 4))))
              (v128.load64_splat (i32.add (local.get $melW) (i32.shl (local.get $j) (i32.const 3)))))
            (local.get $acc)))))
          (br_if $binLoop (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $end)))))
      (local.set $acc (f32x4.demote_f64x2_zero (call $log (local.get $acc))))
      (v128.store32_lane 0 (i32.add (local.get $outA) (i32.shl (local.get $band) (i32.const 2))) (local.get $acc))
      (v128.store32_lane 1 (i32.add (local.get $outB) (i32.shl (local.get $band) (i32.const 2))) (local.get $acc))
      (br_if $bandLoop (i32.lt_u (local.tee $band (i32.add (local.get $band) (i32.const 1))) (i32.const 64)))))
)
