import * as assert from 'assert';
import { FFT } from 'dsp.js';
import { createPowerSpectrum } from '../src/core/dsp/fft';

describe('real FFT power spectrum', () => {
  for (const n of [8, 64, 2048]) {
    it(`matches dsp.js's complex FFT and a direct DFT at n = ${n}`, () => {
      const frame = Float64Array.from(
        { length: n },
        (_, i) => Math.sin(i * 0.37) + 0.3 * Math.cos(i * 1.91) + ((i * 7919) % 13) / 13 - 0.5,
      );
      const power = new Float64Array(n / 2 + 1);
      createPowerSpectrum(n)(frame, power);
      const reference = new FFT(n, 16000);
      reference.forward(frame);
      let worst = 0;
      let scale = 0;
      for (let k = 0; k <= n / 2; k++) {
        const expected = reference.real[k] ** 2 + reference.imag[k] ** 2;
        worst = Math.max(worst, Math.abs(expected - power[k]));
        scale = Math.max(scale, expected);
      }
      assert.ok(worst / scale < 1e-10, `relative error vs dsp.js ${worst / scale}`);
      for (const k of [0, 1, n / 4, n / 2]) {
        let re = 0;
        let im = 0;
        for (let i = 0; i < n; i++) {
          re += frame[i] * Math.cos((2 * Math.PI * k * i) / n);
          im -= frame[i] * Math.sin((2 * Math.PI * k * i) / n);
        }
        assert.ok(Math.abs(re * re + im * im - power[k]) / scale < 1e-10, `bin ${k}`);
      }
    });
  }
  it('refuses lengths that are not a power of two', () => {
    assert.throws(() => createPowerSpectrum(1000), /power of two/);
  });
});
