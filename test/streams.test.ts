/** Stream evaluation and the policy fit, on short synthetic streams whose answer is known. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { writeWav } from '../src/core/audio/wav';
import { fitDetection } from '../src/core/detect/fit';
import type { DetectionSettings } from '../src/core/detect/policy';
import type { CryModel, CryModelInfo } from '../src/core/model/cry-model';
import { readManifest } from '../src/core/model/manifest';
import {
  crySessionGaps,
  crySessionOf,
  crySessions,
  scoreStreams,
  scoreStreamsOverSeeds,
  streamFigures,
  ScoredStream,
} from '../src/core/model/streams';
import { streamRocSvg, streamTimelineSvg } from '../src/core/model/stream-pictures';
import { tempDir } from './fixtures';

const settings: DetectionSettings = {
  onThreshold: 0.5,
  offThreshold: 0.25,
  onCount: 2,
  onWindow: 3,
  offCount: 4,
  offSeconds: 4,
  minDurationSeconds: 2,
  cooldownSeconds: 0,
};

/** Six 3 s noise clips, two each of music, speech and sfx from two packages, with their manifest lines. */
function writeNoncryClips(dir: string, lines: string[]): void {
  for (let k = 0; k < 6; k++) {
    const noise = Float32Array.from(
      { length: 48000 },
      (_, i) => 0.2 * Math.sin(i * 1.7 + k) * Math.sin(i * 0.013),
    );
    fs.writeFileSync(path.join(dir, `n${k}.wav`), writeWav(noise, 16000));
    lines.push(`n${k}.wav,noncry,${['music', 'speech', 'sfx'][k % 3]},deb:pkg${k % 2}=1:x,x,16000,3`);
  }
}

/** A model whose p(cry) is the share of a 1 s window's samples above 0.5 in magnitude (tones do, noise does not). */
function loudnessModel(): CryModel {
  const info: CryModelInfo = {
    name: 'cry-baby-cnn',
    id: 'loudness',
    source: 'test',
    description: 'test',
    windowSamples: 16000,
    hopSamples: 8000,
    threshold: 0.5,
    backend: 'cpu',
    backendNotes: [],
  };
  return {
    ensureLoaded: async () => info,
    analyze: async (samples) => {
      const out = [];
      for (let start = 0; start + 16000 <= Math.max(samples.length, 16000); start += 8000) {
        let loud = 0;
        for (let i = start; i < start + 16000 && i < samples.length; i++)
          if (Math.abs(samples[i]) > 0.5) loud++;
        out.push({ startSample: start, probability: loud / 16000 });
      }
      return out;
    },
    dispose: () => undefined,
  };
}

describe('stream evaluation with the real detector', () => {
  it('counts false starts per hour and per source, and seconds from onset to start', () => {
    const hop = 0.5;
    const quiet = Array.from({ length: 7200 }, (_, i) =>
      i === 100 || i === 2000 || i === 2001 || i === 2002 ? 0.9 : 0.1,
    );
    const noncry: ScoredStream = {
      name: 'music',
      kind: 'noncry',
      seconds: 3600,
      probabilities: quiet,
      sources: [
        { source: 'a', start: 0, end: 1800 },
        { source: 'b', start: 1800, end: 3600 },
      ],
    };
    // A cry from 20 s to 40 s: windows (1 s long, 0.5 s apart) at or after 20 s are loud.
    const cry: ScoredStream = {
      name: 'clean',
      kind: 'cry',
      seconds: 60,
      probabilities: Array.from({ length: 119 }, (_, i) =>
        i * hop >= 20 && i * hop + 1 <= 40.5 ? 0.9 : 0.05,
      ),
      cry: { start: 20, end: 40, source: 'esc50' },
    };
    const figures = streamFigures([noncry, cry], settings, 1, hop);
    // One isolated loud window never starts (2 of 3 needed); three in a row start once.
    const music = figures.falseStartsPerHour.music;
    assert.deepStrictEqual([music.hours, music.starts, music.perHour], [1, 1, 1]);
    // On from that start until the stop rule ends it: a few seconds of the hour.
    assert.ok(music.onShare > 0 && music.onShare < 10 / 3600, `on ${music.onShare}`);
    // The 20 s of room noise before the cry count as non-cry time too: no start there.
    assert.deepStrictEqual(
      [figures.falseStartsPerHour['lead-in'].starts, figures.falseStartsPerHour['lead-in'].onShare],
      [0, 0],
    );
    // The three loud windows are at 1000-1002 s, inside source a.
    assert.strictEqual(figures.falseStartsPerHour['music/a'].starts, 1);
    assert.strictEqual(figures.falseStartsPerHour['music/b'].starts, 0);
    const clean = figures.cries.clean;
    assert.strictEqual(clean.cries, 1);
    assert.strictEqual(clean.neverStarted, 0);
    // The second loud window (start 20.5 s) ends at 21.5 s: 1.5 s after the onset.
    assert.strictEqual(clean.medianOnsetToStart, 1.5);
    assert.ok(clean.onShare > 0.95, `on ${clean.onShare}`);
    // Once on, it stayed on to the cry's end.
    assert.strictEqual(clean.onShareAfterStart, 1);
    assert.strictEqual(clean.stoppedDuringCry, 0);
    assert.strictEqual(clean.restartsDuringCry, 0);
    assert.strictEqual(figures.cries['clean/esc50'].cries, 1);
  });

  it('says how much of the crying after the start the episode stayed on, when it stops mid-cry', () => {
    const hop = 0.5;
    // A cry from 20 s to 80 s with 20 s of quiet in its middle (40-60 s): the stop rule ends the episode there.
    const loud = (i: number) => i * hop >= 20 && i * hop + 1 <= 80.5 && !(i * hop + 1 > 40 && i * hop < 60);
    const cry: ScoredStream = {
      name: 'clean',
      kind: 'cry',
      seconds: 100,
      probabilities: Array.from({ length: 199 }, (_, i) => (loud(i) ? 0.9 : 0.05)),
      cry: { start: 20, end: 80, source: 'esc50' },
    };
    const figures = streamFigures([cry], settings, 1, hop);
    const clean = figures.cries.clean;
    assert.strictEqual(clean.neverStarted, 0);
    assert.strictEqual(clean.medianOnsetToStart, 1.5);
    // Off for most of the 20 s gap (it stops a few seconds in and restarts 1.5 s after the crying resumes), so
    // on for roughly 40-45 s of the 59 s after the start.
    assert.ok(
      clean.onShareAfterStart > 0.6 && clean.onShareAfterStart < 0.85,
      `after start ${clean.onShareAfterStart}`,
    );
    assert.strictEqual(clean.stoppedDuringCry, 1, 'the light went off while the baby still cried');
    assert.strictEqual(
      clean.restartsDuringCry,
      1,
      'and came on again when the crying resumed: one more notification',
    );
  });

  it('draws the window ROC and a timeline with the episodes the real detector opened', () => {
    const hop = 0.5;
    const noncry: ScoredStream = {
      name: 'music',
      kind: 'noncry',
      seconds: 100,
      probabilities: Array.from({ length: 199 }, (_, i) => (i % 7) / 20),
    };
    const cry: ScoredStream = {
      name: 'clean',
      kind: 'cry',
      seconds: 60,
      probabilities: Array.from({ length: 119 }, (_, i) => (i * hop >= 20 && i * hop + 1 <= 40 ? 0.9 : 0.05)),
      cry: { start: 20, end: 40, source: 'esc50' },
    };
    const settings = {
      onThreshold: 0.5,
      offThreshold: 0.2,
      onCount: 2,
      onWindow: 3,
      offCount: 3,
      offSeconds: 3,
      cooldownSeconds: 0,
      minDurationSeconds: 0,
    };
    const roc = streamRocSvg([noncry, cry], 1, hop, 0.5, 'test');
    // Every cry window scores 0.9, every music window at most 0.3: perfectly apart.
    assert.strictEqual(roc.auc, 1);
    assert.match(roc.svg, /ROC AUC 1\.000/);
    const timeline = streamTimelineSvg(
      [
        { stream: cry, seconds: 60 },
        { stream: noncry, seconds: 60 },
      ],
      settings,
      1,
      hop,
      'test',
    );
    // One episode (red band) on the cry row, none on the music row; the cry drawn in grey.
    assert.strictEqual((timeline.match(/fill="#d62728"/g) ?? []).length, 1);
    assert.strictEqual((timeline.match(/fill="#ddd"/g) ?? []).length, 1);
    assert.match(timeline, /cry \(esc50\)[\s\S]*music/);
  });

  it('fits the policy that starts on the cry without a false start on the music', () => {
    const noisy: ScoredStream = {
      name: 'music',
      kind: 'noncry',
      seconds: 3600,
      probabilities: Array.from({ length: 7200 }, (_, i) => (i % 50 === 0 ? 0.6 : 0.1)),
    };
    const cry: ScoredStream = {
      name: 'clean',
      kind: 'cry',
      seconds: 60,
      probabilities: Array.from({ length: 119 }, (_, i) =>
        i * 0.5 >= 20 && i * 0.5 + 1 <= 40.5 ? 0.9 : 0.05,
      ),
      cry: { start: 20, end: 40, source: 'x' },
    };
    const fitted = fitDetection(
      [noisy, cry],
      {
        thresholds: [0.5, 0.7],
        starts: [
          [1, 1],
          [2, 3],
        ],
        offRatios: [0.5],
        offSeconds: [4],
        minDurationSeconds: [2],
        cooldownSeconds: [0],
      },
      1,
      0.5,
      ['music'],
      0.1,
    );
    assert.strictEqual(fitted.tried, 4);
    assert.strictEqual(fitted.figures.falseStartsPerHour.music.starts, 0);
    assert.strictEqual(fitted.figures.cries.clean.neverStarted, 0);
    // 1 of 1 at 0.7 starts fastest without touching the 0.6 music peaks.
    assert.deepStrictEqual(
      [fitted.settings.onThreshold, fitted.settings.onCount, fitted.settings.onWindow],
      [0.7, 1, 1],
    );
  });

  it('picks the hold that keeps one episode across the quiet gap of a crying session', () => {
    const hop = 0.5;
    /** A cry stream whose p(cry) is 0.9 in the windows wholly inside `loud` (seconds) and 0.05 elsewhere. */
    const cryStream = (name: string, seconds: number, loud: [number, number][]): ScoredStream => ({
      name,
      kind: 'cry',
      seconds,
      probabilities: Array.from({ length: 2 * seconds - 1 }, (_, i) =>
        loud.some(([from, to]) => i * hop >= from && i * hop + 1 <= to + 0.5) ? 0.9 : 0.05,
      ),
      cry: { start: loud[0][0], end: loud[loud.length - 1][1], source: 'x' },
    });
    const music: ScoredStream = {
      name: 'music',
      kind: 'noncry',
      seconds: 600,
      probabilities: Array.from({ length: 1199 }, () => 0.05),
    };
    // A single 6 s recording: every hold keeps it on to its end, so it cannot choose between them.
    const clean = cryStream('clean', 40, [[20, 26]]);
    // A session: 6 s of crying, 8 s the recorder missed (quiet here), 6 s more.
    const gapped = cryStream('bout+gaps', 60, [
      [20, 26],
      [34, 40],
    ]);
    const grid = {
      thresholds: [0.5],
      starts: [[1, 1]] as [number, number][],
      offRatios: [0.5],
      offSeconds: [4, 12],
      minDurationSeconds: [2],
      cooldownSeconds: [0],
    };
    const withoutSession = fitDetection([music, clean], grid, 1, hop, ['music'], 0.1);
    assert.strictEqual(withoutSession.settings.offSeconds, 4, 'a tie, so the first in the grid');
    const fitted = fitDetection([music, clean, gapped], grid, 1, hop, ['music'], 0.1);
    assert.strictEqual(fitted.settings.offSeconds, 12);
    assert.strictEqual(fitted.figures.cries['bout+gaps'].restartsDuringCry, 0);
    assert.strictEqual(
      streamFigures([gapped], withoutSession.settings, 1, hop).cries['bout+gaps'].restartsDuringCry,
      1,
      'the 4 s hold ends the episode in the gap: a second notification',
    );
  });

  it('builds reproducible streams from a manifest: noise never starts, every tone cry does', async () => {
    const dir = tempDir('cry-baby-streams-');
    try {
      const lines = ['path,label,category,source,license,sample_rate,duration_s'];
      writeNoncryClips(dir, lines);
      for (let k = 0; k < 3; k++) {
        const tone = Float32Array.from(
          { length: 80000 },
          (_, i) => 0.9 * Math.sign(Math.sin((2 * Math.PI * 440 * i) / 16000)),
        );
        fs.writeFileSync(path.join(dir, `c${k}.wav`), writeWav(tone, 16000));
        lines.push(`c${k}.wav,cry,cry,github:o/esc@1:c${k},x,16000,5`);
      }
      fs.writeFileSync(path.join(dir, 'manifest.csv'), lines.join('\n') + '\n');
      const rows = readManifest(path.join(dir, 'manifest.csv'));
      const options = { seed: 7, sampledCries: 0, snrs: [20] };
      const first = await scoreStreams(loudnessModel(), rows, options);
      const again = await scoreStreams(loudnessModel(), rows, options);
      assert.deepStrictEqual(
        first.streams.map((s) => s.probabilities),
        again.streams.map((s) => s.probabilities),
        'the same seed builds the same streams',
      );
      assert.deepStrictEqual(
        first.streams.filter((s) => s.kind === 'noncry').map((s) => s.name),
        ['music', 'sfx', 'speech'],
      );
      const figures = streamFigures(first.streams, settings, 1, 0.5);
      for (const category of ['music', 'sfx', 'speech'])
        assert.strictEqual(figures.falseStartsPerHour[category].starts, 0);
      assert.strictEqual(figures.cries.clean.cries, 3);
      assert.strictEqual(figures.cries.clean.neverStarted, 0);
      assert.ok(figures.cries.clean.medianOnsetToStart <= 2, `${figures.cries.clean.medianOnsetToStart}`);
      assert.strictEqual(figures.cries['music 20 dB'].neverStarted, 0);
      // Several seeds: each seed's streams, one after another, the same as built one seed at a time.
      const other = await scoreStreams(loudnessModel(), rows, { ...options, seed: 8 });
      const both = await scoreStreamsOverSeeds(loudnessModel(), rows, { ...options, seeds: [7, 8] });
      assert.deepStrictEqual(
        both.streams.map((s) => s.probabilities),
        [...first.streams, ...other.streams].map((s) => s.probabilities),
      );
      assert.notDeepStrictEqual(
        first.streams.filter((s) => s.name === 'clean').map((s) => s.seconds),
        other.streams.filter((s) => s.name === 'clean').map((s) => s.seconds),
        'another seed draws other room noise before the cries',
      );
      assert.strictEqual(streamFigures(both.streams, settings, 1, 0.5).cries.clean.cries, 6);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("groups one baby's recordings seconds apart into a crying session, and plays each session as a bout", async () => {
    const dir = tempDir('cry-baby-bouts-');
    try {
      const install = '02c3b725-26e4-4a2c-9336-04ddc58836d9';
      const other = '643D64AD-B711-469A-AF69-55C0D5D3E30F';
      const cryNames = [
        // One install: two recordings 12 s apart (ms stamps), then one a day later (its own, so no session).
        `${install}-1430726196216-1.7-m-04-hu.wav`,
        `${install}-1430726208216-1.7-m-04-hu.wav`,
        `${install}-1430812596216-1.7-m-04-hu.wav`,
        // Another install, second stamps, listed out of order: three recordings 8-10 s apart.
        `${other}-1430138514-1.0-f-26-bp.wav`,
        `${other}-1430138495-1.0-f-26-bp.wav`,
        `${other}-1430138506-1.0-f-26-bp.wav`,
        // ESC-50 takes of one freesound recording, and a lone take.
        '1-211527-B-20.wav',
        '1-211527-A-20.wav',
        '4-59579-A-20.wav',
        'BabyCry.wav',
      ];
      const lines = ['path,label,category,source,license,sample_rate,duration_s'];
      writeNoncryClips(dir, lines);
      const tone = Float32Array.from(
        { length: 80000 },
        (_, i) => 0.9 * Math.sign(Math.sin((2 * Math.PI * 440 * i) / 16000)),
      );
      for (const name of cryNames) {
        fs.writeFileSync(path.join(dir, name), writeWav(tone, 16000));
        lines.push(`${name},cry,cry,github:o/esc@1:${name},x,16000,5`);
      }
      fs.writeFileSync(path.join(dir, 'manifest.csv'), lines.join('\n') + '\n');
      const rows = readManifest(path.join(dir, 'manifest.csv'));
      const cries = rows.filter((row) => row.label === 'cry');
      assert.deepStrictEqual(crySessionOf(cries[0]), {
        recording: `donateacry:${install}`,
        time: 1430726196.216,
      });
      assert.strictEqual(crySessionOf(cries[9]), undefined, 'a name that says nothing has no session');
      assert.deepStrictEqual(
        crySessions(cries).map((session) => session.map((row) => row.path)),
        [
          [`${install}-1430726196216-1.7-m-04-hu.wav`, `${install}-1430726208216-1.7-m-04-hu.wav`],
          [
            `${other}-1430138495-1.0-f-26-bp.wav`,
            `${other}-1430138506-1.0-f-26-bp.wav`,
            `${other}-1430138514-1.0-f-26-bp.wav`,
          ],
          ['1-211527-A-20.wav', '1-211527-B-20.wav'],
        ],
      );

      const options = { seed: 7, sampledCries: 0, snrs: [20] };
      const withBouts = await scoreStreams(loudnessModel(), rows, options);
      const without = await scoreStreams(loudnessModel(), rows, { ...options, bouts: 0 });
      const withoutGaps = await scoreStreams(loudnessModel(), rows, { ...options, boutGaps: false });
      assert.deepStrictEqual(
        withBouts.streams.filter((s) => !s.name.startsWith('bout+gaps')).map((s) => s.probabilities),
        withoutGaps.streams.map((s) => s.probabilities),
        'the bouts with their gaps are drawn after the bouts: the bouts of the seed are unchanged',
      );
      assert.deepStrictEqual(
        withBouts.streams.filter((s) => !s.name.startsWith('bout')).map((s) => s.probabilities),
        without.streams.map((s) => s.probabilities),
        'the bouts are drawn last: the other streams of the seed are unchanged',
      );
      /** Seconds of crying in each stream of that name. */
      const cryingSeconds = (name: string) =>
        withBouts.streams.filter((s) => s.name === name).map((s) => Math.round(s.cry!.end - s.cry!.start));
      assert.deepStrictEqual(cryingSeconds('bout'), [10, 15, 10], 'each bout is its recordings back to back');
      assert.deepStrictEqual(cryingSeconds('bout music 20 dB'), [10, 15, 10]);
      // With their gaps: start to start less the earlier recording's 5 s (12 - 5 = 7; 11 - 5 = 6, 8 - 5 = 3); the
      // ESC-50 takes carry no times, so none.
      assert.deepStrictEqual(
        crySessions(cries).map((session) =>
          crySessionGaps(
            session,
            session.map(() => 5),
          ),
        ),
        [[7], [6, 3], [0]],
      );
      assert.deepStrictEqual(
        cryingSeconds('bout+gaps'),
        [17, 24, 10],
        'the crying time of a bout with its gaps is the whole session',
      );
      assert.deepStrictEqual(cryingSeconds('bout+gaps sfx 20 dB'), [17, 24, 10]);
      const one = await scoreStreams(loudnessModel(), rows, { ...options, bouts: 1 });
      assert.strictEqual(one.streams.filter((s) => s.name === 'bout').length, 1);

      const figures = streamFigures(withBouts.streams, settings, 1, 0.5);
      assert.strictEqual(figures.cries.bout.cries, 3);
      assert.strictEqual(figures.cries.bout.neverStarted, 0);
      assert.strictEqual(figures.cries.bout.stoppedDuringCry, 0, 'a continuous bout keeps the episode on');
      assert.strictEqual(figures.cries.bout.onShareAfterStart, 1);
      assert.strictEqual(figures.cries['bout music 20 dB'].cries, 3);
      assert.strictEqual(figures.falseStartsPerHour['bout lead-in'].starts, 0);
      assert.strictEqual(figures.cries['bout+gaps'].cries, 3);
      assert.strictEqual(figures.cries['bout+gaps'].neverStarted, 0);
      assert.strictEqual(
        figures.cries['bout+gaps'].stoppedDuringCry,
        2,
        'a quiet gap of 3 s or more stops the episode (4 windows below 0.25); the ESC-50 bout has none',
      );
      assert.ok(figures.cries['bout+gaps'].onShareAfterStart < 1);
      assert.strictEqual(
        figures.cries['bout+gaps'].restartsDuringCry,
        3,
        'each of the three gaps (7, 6 and 3 s) stops the episode and the next recording starts it again',
      );
      assert.strictEqual(figures.cries.bout.restartsDuringCry, 0);
      assert.strictEqual(figures.falseStartsPerHour['bout+gaps lead-in'].starts, 0);
      assert.strictEqual(figures.cries.clean.cries, 10, 'every recording is still a cry of its own');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
