/** The int8 quantisation rules both YAMNet engines share (XNNPACK's, as TFLite runs int8 layers). */
import type { FusedActivation } from '../tflite/model';

/** A per-tensor scale and zero point. */
export interface Quant {
  readonly scale: number;
  readonly zeroPoint: number;
}

/** The centred output range [low, high] (q - zero point) of an int8 layer with its fused activation. */
export function activationRange(activation: FusedActivation | string, q: Quant): [number, number] {
  let low = -128;
  let high = 127;
  if (activation === 'relu' || activation === 'relu6') low = Math.max(low, q.zeroPoint);
  if (activation === 'relu6') high = Math.min(high, q.zeroPoint + Math.round(6 / q.scale));
  return [low - q.zeroPoint, high - q.zeroPoint];
}

/** XNNPACK's int8 sigmoid table, indexed by q_in + 128 and giving q_out - zero point; `offset` = zp_in + 128. */
export function int8LogisticTable(inQ: Quant, outQ: Quant): { table: Float32Array; offset: number } {
  const table = new Float32Array(256);
  for (let q = -128; q <= 127; q++) {
    const x = Math.fround(inQ.scale * (q - inQ.zeroPoint));
    const y = Math.round(1 / (1 + Math.exp(-x)) / outQ.scale) + outQ.zeroPoint;
    table[q + 128] = Math.min(127, Math.max(-128, y)) - outQ.zeroPoint;
  }
  return { table, offset: inQ.zeroPoint + 128 };
}
