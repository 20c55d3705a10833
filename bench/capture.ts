/**
 * Capture benchmark: a cry-mic-style capture (sox through node-record-lpcm16, 4 s windows every 1 s, each turned
 * into the audio message the node sends) recording from a PulseAudio null sink for a few minutes. Reports the
 * CPU share of one core (this process and the recorder) and the memory slope.
 */
import * as fs from 'fs';
import { createWindowedCapture } from '../src/core/capture/windowed-capture';
import { PACKAGE_OF, spawnMicRecorder } from '../src/core/capture/recorders';
import { float32ToPcm16 } from '../src/core/audio/pcm';
import { startPulseDevice } from '../test/pulse-device';

function childCpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const num = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return den ? num / den : 0;
}

/** Runs the capture for `seconds` and prints the figures. */
export async function benchCapture(seconds: number): Promise<void> {
  const device = await startPulseDevice();
  let windows = 0;
  let bytes = 0;
  const capture = createWindowedCapture({
    name: 'bench',
    spawn: () => spawnMicRecorder({ recorder: 'sox', driver: 'pulseaudio', sampleRate: 16000 }),
    program: 'sox',
    packageHint: PACKAGE_OF.sox,
    sampleRate: 16000,
    windowSeconds: 4,
    hopSeconds: 1,
    onWindow: (window) => {
      windows++;
      bytes += float32ToPcm16(window.samples).length;
    },
    onEvent: () => undefined,
  });
  capture.start();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const gc = (globalThis as { gc?: () => void }).gc;
  const startCpu = process.cpuUsage();
  const startChild = childCpuSeconds(capture.pid);
  const started = Date.now();
  const heap: [number, number][] = [];
  const rss: [number, number][] = [];
  while (Date.now() - started < seconds * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 5000));
    gc?.();
    const minutes = (Date.now() - started) / 60000;
    const memory = process.memoryUsage();
    heap.push([minutes, memory.heapUsed / 1024]);
    rss.push([minutes, memory.rss / 1024]);
  }
  const elapsed = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(startCpu);
  const nodeShare = (cpu.user + cpu.system) / 1e6 / elapsed;
  const soxShare = (childCpuSeconds(capture.pid) - startChild) / elapsed;
  await capture.stop();
  await device.stop();
  console.log(
    `capture ${elapsed.toFixed(0)} s (${windows} windows, ${(bytes / 1e6).toFixed(1)} MB of messages): CPU ${(100 * nodeShare).toFixed(2)} % of one core in Node, ` +
      `${(100 * soxShare).toFixed(2)} % in sox; heap ${(heap[heap.length - 1][1] / 1024).toFixed(1)} MB, slope ${slope(heap).toFixed(1)} KB/min` +
      `${gc ? ' (after gc)' : ' (run with --expose-gc for a steadier slope)'}; RSS ${(rss[rss.length - 1][1] / 1024).toFixed(1)} MB, slope ${slope(rss).toFixed(1)} KB/min`,
  );
}
