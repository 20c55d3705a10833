/**
 * How each recorder program is started. Microphones go through node-record-lpcm16 (sox, rec or arecord);
 * streams and files through ffmpeg. All write raw signed 16-bit little-endian mono PCM to stdout.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import type { SpawnedRecorder } from './supervisor';
// node-record-lpcm16 ships no types; its shape is declared in types/node-record-lpcm16.d.ts.
import { record } from 'node-record-lpcm16';

/** Microphone recorder programs. */
export type MicRecorder = 'sox' | 'rec' | 'arecord';

/** Settings of a microphone capture. */
export interface MicSettings {
  readonly recorder: MicRecorder;
  /** sox/rec: AUDIODEV (e.g. "hw:1,0" or a PulseAudio source); arecord: -D. Empty = default device. */
  readonly device?: string;
  /** Forces sox's driver (AUDIODRIVER), e.g. "pulseaudio" or "alsa". */
  readonly driver?: string;
  readonly sampleRate: number;
}

/** The Debian package that provides each program. */
export const PACKAGE_OF: Readonly<Record<string, string>> = {
  sox: 'sox',
  rec: 'sox',
  arecord: 'alsa-utils',
  ffmpeg: 'ffmpeg',
};

/** Starts a microphone recorder through node-record-lpcm16. */
export function spawnMicRecorder(settings: MicSettings): SpawnedRecorder {
  const recording = record({
    recorder: path.join(__dirname, 'lpcm16-recorder.js'),
    program: settings.recorder,
    device: settings.device || undefined,
    driver: settings.driver || undefined,
    sampleRate: settings.sampleRate,
    channels: 1,
    audioType: 'raw',
    threshold: 0,
  });
  return { child: recording.process, stdout: recording.stream() };
}

/** Settings of an ffmpeg stream or file capture. */
export interface StreamSettings {
  /** Anything ffmpeg reads: rtsp://, http(s)://, a file path, or an input device with `format`. */
  readonly url: string;
  readonly sampleRate: number;
  /** Read a file at its natural speed (ffmpeg -re), as a live source would deliver it. */
  readonly realtime: boolean;
  /** ffmpeg input format (-f), e.g. "pulse" or "alsa" for devices. */
  readonly format?: string;
}

/** The ffmpeg arguments for a stream capture. */
export function ffmpegArguments(settings: StreamSettings): string[] {
  const args = ['-nostdin', '-hide_banner', '-loglevel', 'error'];
  if (/^rtsps?:\/\//i.test(settings.url)) args.push('-rtsp_transport', 'tcp');
  if (settings.realtime) args.push('-re');
  if (settings.format) args.push('-f', settings.format);
  args.push(
    '-i',
    settings.url,
    '-vn',
    '-sn',
    '-ac',
    '1',
    '-ar',
    String(settings.sampleRate),
    '-acodec',
    'pcm_s16le',
    '-f',
    's16le',
    'pipe:1',
  );
  return args;
}

/** Starts ffmpeg decoding a stream to PCM. */
export function spawnStreamRecorder(settings: StreamSettings): SpawnedRecorder {
  const child = spawn('ffmpeg', ffmpegArguments(settings), { stdio: ['ignore', 'pipe', 'pipe'] });
  if (!child.stdout) throw new Error('ffmpeg started without a stdout pipe');
  return { child, stdout: child.stdout };
}

/** Recognises the recorders' "no device" messages and says it plainly. */
export function explainMicFailure(stderr: string): string | undefined {
  if (
    /no default audio device|can't open input|cannot open audio device|audio open error|No such (file|device).*(pcm|hw:|dev)|Invalid card|Unknown PCM|Connection refused/i.test(
      stderr,
    )
  ) {
    const detail = stderr.trim().split('\n').pop() ?? '';
    return `no microphone found (check the device setting): ${detail}`;
  }
  return undefined;
}
