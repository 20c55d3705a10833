declare module 'dsp.js' {
  export class FFT {
    constructor(bufferSize: number, sampleRate: number);
    forward(buffer: ArrayLike<number>): void;
    real: Float64Array;
    imag: Float64Array;
  }
}
