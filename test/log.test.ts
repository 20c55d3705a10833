import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import cryLogNode from '../nodes/cry-log';
import cryDetectNode from '../nodes/cry-detect';
import { createCsvLog, csvField } from '../src/core/log/csv';
import { createClipStore } from '../src/core/log/clips';
import { readWav } from '../src/core/audio/wav';
import { parseCsvLine } from '../src/core/model/manifest';
import { float32ToPcm16 } from '../src/core/audio/pcm';
import { helper, loadFlow, nextError, nextMessage, nextStatus, events } from './node-helper';
import { tempDir } from './fixtures';
import { createRandomSource } from '../src/core/model/random';

describe('CSV log and clip store', () => {
  it('quotes fields as RFC 4180 says', () => {
    assert.strictEqual(csvField('plain'), 'plain');
    assert.strictEqual(csvField('a,b'), '"a,b"');
    assert.strictEqual(csvField('say "hi"'), '"say ""hi"""');
    assert.strictEqual(csvField('two\nlines'), '"two\nlines"');
    assert.deepStrictEqual(parseCsvLine(['x', csvField('/a, "b".wav'), '0.5'].join(',')), [
      'x',
      '/a, "b".wav',
      '0.5',
    ]);
  });

  it('writes the header once with the first row, keeps every row whole and in order', async () => {
    const dir = tempDir('cry-log-');
    const log = createCsvLog({
      file: path.join(dir, 'sub', 'p.csv'),
      columns: ['timestamp', 'audio_file', 'probability'],
      rotation: 'none',
    });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        log.append({ timestamp: `t${i}`, audio_file: `/clips/a,${i}.wav`, probability: i / 50 }),
      ),
    );
    const text = fs.readFileSync(path.join(dir, 'sub', 'p.csv'), 'utf8');
    assert.ok(text.endsWith('\r\n') && !/[^\r]\n/.test(text), 'every line ends in CRLF (RFC 4180)');
    const lines = text.trimEnd().split('\r\n');
    assert.strictEqual(lines[0], 'timestamp,audio_file,probability');
    assert.strictEqual(lines.length, 51);
    lines
      .slice(1)
      .forEach((line, i) =>
        assert.deepStrictEqual(parseCsvLine(line), [`t${i}`, `/clips/a,${i}.wav`, String(i / 50)]),
      );
  });

  it('a month and more of daily logging stays within its days and bytes, with every row whole', async () => {
    const dir = tempDir('cry-log-month-');
    fs.writeFileSync(path.join(dir, 'family-budget.csv'), 'not ours\r\n');
    const log = createCsvLog({
      file: path.join(dir, 'predictions.csv'),
      columns: ['timestamp', 'probability'],
      rotation: 'daily',
      keepDays: 30,
      maxTotalBytes: 25 * 3000,
    });
    for (let day = 0; day < 45; day++) {
      for (let row = 0; row < 100; row++) {
        const when = new Date(2026, 0, 1 + day, 12, 0, row);
        await log.append({ timestamp: when.toISOString(), probability: (row / 100).toFixed(6) }, when);
      }
    }
    const files = fs
      .readdirSync(dir)
      .filter((name) => name.startsWith('predictions-'))
      .sort();
    const total = files.reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0);
    assert.ok(files.length <= 31, `${files.length} daily files`);
    assert.ok(total <= 25 * 3000 + 3000, `${total} bytes`);
    assert.strictEqual(files[files.length - 1], 'predictions-2026-02-14.csv', 'the newest day is kept');
    assert.ok(fs.existsSync(path.join(dir, 'family-budget.csv')), 'a file it did not write is kept');
    for (const name of files) {
      const lines = fs.readFileSync(path.join(dir, name), 'utf8').split('\r\n');
      assert.strictEqual(lines.pop(), '', `${name} ends with a whole row`);
      assert.strictEqual(lines[0], 'timestamp,probability');
      for (const line of lines.slice(1)) assert.match(line, /^\d{4}-\d\d-\d\dT[\d:.]+Z,\d\.\d{6}$/);
    }
  });

  it('rotates by size (with a header in each file) and by day', async () => {
    const dir = tempDir('cry-log-');
    const sized = createCsvLog({
      file: path.join(dir, 's.csv'),
      columns: ['a'],
      rotation: 'size',
      maxBytes: 30,
    });
    for (let i = 0; i < 12; i++) await sized.append({ a: `row-${i}` });
    const files = fs.readdirSync(dir).sort();
    assert.ok(files.includes('s.csv') && files.includes('s.1.csv'), files.join(','));
    for (const f of files)
      assert.ok(
        fs.readFileSync(path.join(dir, f), 'utf8').startsWith('a\r\n'),
        `${f} starts with the header`,
      );
    const all = files.flatMap((f) =>
      fs.readFileSync(path.join(dir, f), 'utf8').trim().split('\r\n').slice(1),
    );
    assert.strictEqual(all.length, 12, 'no row lost across rotations');
    const daily = createCsvLog({ file: path.join(dir, 'd.csv'), columns: ['a'], rotation: 'daily' });
    const first = await daily.append({ a: 1 }, new Date(2026, 10, 24, 23, 59));
    const second = await daily.append({ a: 2 }, new Date(2026, 10, 25, 0, 1));
    assert.deepStrictEqual(
      [path.basename(first), path.basename(second)],
      ['d-2026-11-24.csv', 'd-2026-11-25.csv'],
    );
  });

  it('saves each window as a WAV in window mode and enforces the total size', async () => {
    const dir = tempDir('cry-log-');
    const store = createClipStore({
      folder: dir,
      mode: 'window',
      preRollSeconds: 0,
      maxAgeDays: 7,
      maxTotalBytes: 3 * 128044,
    });
    const files: string[] = [];
    for (let i = 0; i < 5; i++) {
      files.push(
        await store.add({
          samples: new Float32Array(64000).fill(0.01 * i),
          sampleRate: 16000,
          source: 'mic',
          time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
          crying: false,
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, i === 3 ? 2100 : 5));
    }
    await store.close();
    assert.ok(fs.existsSync(files[4]) && readWav(fs.readFileSync(files[4])).samples.length === 64000);
    const total = fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
    assert.ok(total <= 3 * 128044, `total ${total} bytes within the limit`);
    assert.ok(!fs.existsSync(files[0]), 'oldest clip removed');
  });

  it('retention never touches a file it did not write, and an open episode counts against the limit', async () => {
    const dir = tempDir('cry-log-');
    const family = ['grandma-singing.wav', 'first-words.wav', 'notes.txt', '2026-01-01-birthday.wav'];
    for (const name of family) fs.writeFileSync(path.join(dir, name), Buffer.alloc(200000, 1));
    const limit = 3 * 128044;
    const store = createClipStore({
      folder: dir,
      mode: 'episode',
      preRollSeconds: 0,
      maxAgeDays: 7,
      maxTotalBytes: limit,
    });
    const stream = Float32Array.from({ length: 16000 * 40 }, (_, i) => Math.sin(i / 10) * 0.3);
    let episode = '';
    for (let k = 0; k <= 36; k++) {
      const start = k * 16000;
      episode =
        (await store.add({
          samples: stream.slice(start, start + 64000),
          sampleRate: 16000,
          startSample: start,
          source: 'mic',
          time: new Date(Date.UTC(2026, 0, 1, 0, 0, k)),
          crying: true,
        })) || episode;
    }
    await store.close();
    for (const name of family) assert.ok(fs.existsSync(path.join(dir, name)), `${name} kept`);
    assert.ok(
      fs.statSync(episode).size <= limit,
      `episode ${fs.statSync(episode).size} bytes within ${limit}`,
    );
    assert.ok(readWav(fs.readFileSync(episode)).samples.length >= 64000, 'the episode keeps its start');
  });

  it('a month of nights in one clip folder: never over the cap, nothing past its age, the family files kept', async () => {
    const dir = tempDir('cry-month-');
    const family = ['grandma-singing.wav', 'first-words.wav', 'notes.txt'];
    for (const name of family) fs.writeFileSync(path.join(dir, name), Buffer.alloc(300000, 7));
    const rate = 8000;
    const day = 86400000;
    let clock = Date.now();
    const random = createRandomSource(2026);
    const closed: { audio: string; image?: string }[] = [];
    const noise = Float32Array.from({ length: 4 * rate }, () => (random.next() - 0.5) * 0.2);
    const ownFiles = () => fs.readdirSync(dir).filter((name) => !family.includes(name));
    const ownBytes = () => ownFiles().reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0);
    // Days 1-20 under a 6 MB cap (the cap decides), then the parent lowers the age limit to 3 days and lifts the
    // cap (age decides): the same folder, a new store that reads its index from disk.
    const phases = [
      { days: 20, maxTotalBytes: 6_000_000, maxAgeDays: 7 },
      { days: 10, maxTotalBytes: 1e9, maxAgeDays: 3 },
    ];
    let position = 0;
    let episodes = 0;
    let peakBytes = 0;
    let lastWrite = clock;
    for (const phase of phases) {
      const store = createClipStore({
        folder: dir,
        mode: 'episode',
        preRollSeconds: 2,
        episodeImages: true,
        maxAgeDays: phase.maxAgeDays,
        maxTotalBytes: phase.maxTotalBytes,
        now: () => clock,
        onEpisodeClosed: (clip) => closed.push(clip),
      });
      for (let d = 0; d < phase.days; d++) {
        for (let e = 0; e < 6; e++) {
          const crying = 15 + Math.floor(random.next() * 45);
          // Quiet windows, the cry, quiet windows (the episode ends), each window 4 s at a 1 s hop.
          for (let w = 0; w < 8 + crying + 4; w++) {
            await store.add({
              samples: noise,
              sampleRate: rate,
              startSample: position,
              source: 'nursery',
              time: new Date(clock),
              crying: w >= 8 && w < 8 + crying,
            });
            lastWrite = clock;
            position += rate;
            clock += 1000;
          }
          episodes++;
          peakBytes = Math.max(peakBytes, ownBytes());
          assert.ok(ownBytes() <= phase.maxTotalBytes, `day ${d}: ${ownBytes()} bytes over the cap`);
          clock += 3 * 3600000;
          position += 3 * 3600 * rate;
        }
        clock += day - 18 * 3600000;
        for (const name of family) assert.strictEqual(fs.statSync(path.join(dir, name)).size, 300000, name);
        // Retention runs with each window (a microphone gives one a second; the simulation skips the quiet hours):
        // at the last window, no clip whose episode began before the age limit (plus the longest episode) was left.
        const limit = lastWrite - phase.maxAgeDays * day - 120000;
        for (const name of ownFiles()) {
          const began = Date.parse(
            name.slice(0, 24).replace(/T(\d\d)-(\d\d)-(\d\d)-(\d{3})Z/, 'T$1:$2:$3.$4Z'),
          );
          assert.ok(began >= limit, `${name} outlived ${phase.maxAgeDays} days`);
        }
      }
      await store.close();
    }
    assert.strictEqual(closed.length, episodes);
    assert.strictEqual(episodes, 180);
    // Every clip still there is whole: its header says its size, and the picture beside it is a PNG.
    for (const name of ownFiles()) {
      const bytes = fs.readFileSync(path.join(dir, name));
      if (name.endsWith('.wav')) {
        assert.strictEqual(bytes.readUInt32LE(40), bytes.length - 44, name);
        assert.ok(readWav(bytes).samples.length >= 15 * rate, name);
      } else assert.strictEqual(bytes.subarray(1, 4).toString('latin1'), 'PNG', name);
    }
    const kept = ownFiles().filter((name) => name.endsWith('.wav')).length;
    // Three days of six episodes, give or take the episode at the boundary.
    assert.ok(kept >= 17 && kept <= 19, `${kept} episode clips kept`);
    assert.ok(peakBytes > 4_000_000, `the cap was reached (${peakBytes} bytes at most)`);
  });

  it('saves a crying episode as one WAV with its pre-roll, stitched from overlapping windows', async () => {
    const dir = tempDir('cry-log-');
    const store = createClipStore({
      folder: dir,
      mode: 'episode',
      preRollSeconds: 2,
      maxAgeDays: 7,
      maxTotalBytes: 1e9,
    });
    const stream = Float32Array.from({ length: 16000 * 12 }, (_, i) => Math.sin(i / 10) * 0.3);
    const results: string[] = [];
    for (let k = 0; k <= 8; k++) {
      const start = k * 16000;
      results.push(
        await store.add({
          samples: stream.slice(start, start + 64000),
          sampleRate: 16000,
          startSample: start,
          source: 'mic',
          time: new Date(Date.UTC(2026, 0, 1, 0, 0, k)),
          crying: k >= 3 && k <= 5,
        }),
      );
    }
    await store.close();
    assert.deepStrictEqual(
      results.map((r) => r !== ''),
      [false, false, false, true, true, true, false, false, false],
    );
    assert.strictEqual(new Set(results.filter(Boolean)).size, 1, 'one file for the episode');
    const clip = readWav(fs.readFileSync(results[3])).samples;
    // from 2 s before window 3 (1 s) to the end of window 5 (9 s)
    assert.strictEqual(clip.length, 8 * 16000);
    const expected = float32ToPcm16(stream.subarray(16000, 9 * 16000));
    assert.ok(float32ToPcm16(clip).equals(expected), 'episode audio is the stream, continuous and exact');
  });
});

describe('cry-log and cry-detect nodes', function () {
  this.timeout(30000);
  afterEach(async () => {
    await helper.unload();
  });

  const cryMsg = (i: number, probability: number, extra: Record<string, unknown> = {}) => ({
    payload: probability,
    cry: {
      probability,
      crying: probability >= 0.8,
      threshold: 0.8,
      model: 'cry-baby',
      windowStart: new Date(Date.UTC(2026, 10, 24, 6, 0, i)).toISOString(),
      source: 'n1#0',
    },
    ...extra,
  });

  it('cry-log appends one row per window, with ISO timestamps and the file of each clip', async () => {
    const dir = tempDir('cry-log-');
    await loadFlow(cryLogNode, [
      {
        id: 'log1',
        type: 'cry-log',
        file: path.join(dir, 'predictions.csv'),
        clipMode: 'window',
        clipFolder: path.join(dir, 'clips, "quoted"'),
        wires: [['o1']],
      },
      { id: 'o1', type: 'helper' },
    ]);
    const log = helper.getNode('log1');
    for (let i = 0; i < 3; i++) {
      const out = nextMessage(helper.getNode('o1'));
      log.receive(
        cryMsg(i, i / 4, {
          audio: {
            payload: float32ToPcm16(new Float32Array(64000)),
            rate: 16000,
            bits: 16,
            channels: 1,
            encoding: 'signed-integer',
          },
        }) as never,
      );
      await out;
    }
    const lines = fs.readFileSync(path.join(dir, 'predictions.csv'), 'utf8').trimEnd().split('\r\n');
    assert.strictEqual(lines[0], 'timestamp,audio_file,probability,model,source');
    assert.strictEqual(lines.length, 4);
    const first = parseCsvLine(lines[1]);
    assert.strictEqual(first[0], '2026-11-24T06:00:00.000Z');
    assert.ok(fs.existsSync(first[1]) && first[1].includes('clips, "quoted"'), first[1]);
    assert.deepStrictEqual(first.slice(2), ['0.000000', 'cry-baby', 'n1#0']);
  });

  it('cry-log reports an unwritable log with a red status and keeps what was logged and keeps running', async () => {
    const dir = tempDir('cry-log-');
    fs.writeFileSync(path.join(dir, 'not-a-folder'), 'x');
    await loadFlow(cryLogNode, [
      { id: 'bad', type: 'cry-log', file: path.join(dir, 'not-a-folder', 'p.csv'), wires: [[]] },
      { id: 'good', type: 'cry-log', file: path.join(dir, 'good.csv'), wires: [['o2']] },
      { id: 'o2', type: 'helper' },
    ]);
    const good = helper.getNode('good');
    const first = nextMessage(helper.getNode('o2'), 5000);
    good.receive(cryMsg(0, 0.5) as never);
    await first;
    const bad = helper.getNode('bad');
    const error = nextError(bad, 5000);
    bad.receive(cryMsg(1, 0.5) as never);
    assert.match(await error, /could not write .*p\.csv/);
    assert.strictEqual((await nextStatus(bad, 'red', 5000)).fill, 'red');
    const second = nextMessage(helper.getNode('o2'), 5000);
    good.receive(cryMsg(2, 0.6) as never);
    await second;
    assert.strictEqual(fs.readFileSync(path.join(dir, 'good.csv'), 'utf8').trimEnd().split('\r\n').length, 3);
  });

  it('cry-detect emits start and stop with the episode, and passes every window on its second output', async () => {
    await loadFlow(cryDetectNode, [
      {
        id: 'det',
        type: 'cry-detect',
        onCount: 2,
        onWindow: 3,
        offCount: 3,
        offSeconds: 30,
        cooldown: 10,
        minDuration: 2,
        wires: [['ev'], ['all']],
      },
      { id: 'ev', type: 'helper' },
      { id: 'all', type: 'helper' },
    ]);
    const eventsSeen: { payload: string; event: { durationSeconds: number; peakProbability: number } }[] = [];
    const passed: unknown[] = [];
    events(helper.getNode('ev')).on('input', (m: (typeof eventsSeen)[number]) => eventsSeen.push(m));
    events(helper.getNode('all')).on('input', (m: unknown) => passed.push(m));
    const det = helper.getNode('det');
    const probabilities = [0.1, 0.9, 0.95, 0.9, 0.85, 0.2, 0.1, 0.1, 0.1, 0.1];
    for (let i = 0; i < probabilities.length; i++) {
      const out = nextMessage(helper.getNode('all'));
      det.receive(cryMsg(i, probabilities[i]) as never);
      await out;
    }
    assert.strictEqual(passed.length, probabilities.length);
    assert.deepStrictEqual(
      eventsSeen.map((e) => e.payload),
      ['start', 'stop'],
    );
    assert.strictEqual(
      eventsSeen[1].event.durationSeconds,
      5,
      'started at 2 s (2 of 3), stopped at 7 s (3 quiet windows)',
    );
    assert.strictEqual(eventsSeen[1].event.peakProbability, 0.95);
    const error = nextError(det);
    det.receive({ payload: 'loud' } as never);
    assert.match(await error, /expected a probability/);
  });
});
