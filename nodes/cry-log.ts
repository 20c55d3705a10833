/**
 * cry-log: appends every verdict to a CSV (timestamp,audio_file,probability,model,source — the original
 * program's columns plus two) and saves the audio of each window or each crying episode as WAV, with retention
 * limits. A write error (disk full, unwritable folder) is reported and the flow keeps running. In episode mode each
 * finished episode's clip gets a spectrogram PNG beside it and is announced on the second output; with sharing on,
 * both are served at `<httpNodeRoot>cry-baby/clip/<token>/<name>` (a random 128-bit token per clip, for a limited
 * time) for a phone notification.
 */
import * as fs from 'fs';
import * as os from 'os';
import type { RequestHandler } from 'express';
import { describeValue } from '../src/core/describe';
import * as path from 'path';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { parseAudioMessage, sourceOfStream } from '../src/core/audio/message';
import { createCsvLog } from '../src/core/log/csv';
import { createClipStore } from '../src/core/log/clips';
import { ClipLinks, createClipLinks } from '../src/core/log/clip-links';
import { verdictProbability } from '../src/node-red/verdict';
import { createStatusReporter, errorMessage, failInput, reportConfigError } from '../src/node-red/status';

interface CryLogConfig extends NodeDef {
  file?: string;
  rotation?: string;
  maxSizeMB?: string | number;
  csvKeepDays?: string | number;
  csvMaxTotalMB?: string | number;
  clipMode?: string;
  clipFolder?: string;
  preRoll?: string | number;
  maxAgeDays?: string | number;
  maxTotalMB?: string | number;
  /** Serve each finished episode clip (and its spectrogram) at an unguessable, expiring URL. */
  shareClips?: boolean;
  linkHours?: string | number;
  /** How the phone reaches Node-RED, e.g. http://192.168.1.10:1880 (for absolute links in notifications). */
  publicUrl?: string;
}

/** http(s)://host[:port][/path], without a login in it. */
function isPublicUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      !url.username &&
      !url.password &&
      !!url.hostname
    );
  } catch {
    return false;
  }
}

/** Where shared clips are served, under Node-RED's httpNodeRoot. */
const CLIP_ROUTE = 'cry-baby/clip';

interface LogMessage extends NodeMessageInFlow {
  cry?: { probability?: unknown; crying?: unknown; model?: unknown; windowStart?: unknown; source?: unknown };
  audio?: { payload?: unknown; rate?: unknown; bits?: unknown; channels?: unknown; encoding?: unknown };
  window?: { startSample?: unknown; source?: unknown };
  file?: unknown;
  /** Set by cry detect: whether an episode is on. */
  crying?: unknown;
}

export = (RED: NodeAPI): void => {
  // The links of every cry log node in this runtime, by node id; one route serves them all.
  const linkStores = new Map<string, ClipLinks>();
  const httpNode = (RED as unknown as { httpNode?: { get(route: string, handler: RequestHandler): void } })
    .httpNode;
  httpNode?.get(`/${CLIP_ROUTE}/:token/:name`, (req, res) => {
    void (async () => {
      for (const links of linkStores.values()) {
        const found = await links.resolve(String(req.params.token), String(req.params.name));
        if (!found) continue;
        res.set({
          'Content-Type': found.contentType,
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
          'Referrer-Policy': 'no-referrer',
        });
        fs.createReadStream(found.file)
          .on('error', () => res.status(404).end())
          .pipe(res);
        return;
      }
      res.status(404).type('text/plain').send('not found');
    })();
  });
  const nodeRoot = String(
    (RED.settings as unknown as { httpNodeRoot?: unknown }).httpNodeRoot ?? '/',
  ).replace(/\/?$/, '/');

  function CryLogNode(this: Node, config: CryLogConfig): void {
    RED.nodes.createNode(this, config);
    const userDir =
      (RED.settings as unknown as { userDir?: string }).userDir ?? path.join(os.homedir(), '.node-red');
    const file = path.resolve(userDir, (config.file ?? '').trim() || 'cry-baby/predictions.csv');
    const clipFolder = path.resolve(userDir, (config.clipFolder ?? '').trim() || 'cry-baby/clips');
    const rotation = config.rotation === 'daily' || config.rotation === 'size' ? config.rotation : 'none';
    const clipMode = config.clipMode === 'window' || config.clipMode === 'episode' ? config.clipMode : 'none';
    const maxSizeMB = Number(config.maxSizeMB ?? 10);
    // Daily files are kept 90 days and 500 MB by default (about 8 MB a day at one row a second).
    const csvKeepDays = Number(config.csvKeepDays ?? 90);
    const csvMaxTotalMB = Number(config.csvMaxTotalMB ?? 500);
    const preRoll = Number(config.preRoll ?? 5);
    const maxAgeDays = Number(config.maxAgeDays ?? 7);
    const maxTotalMB = Number(config.maxTotalMB ?? 500);
    const linkHours = Number(config.linkHours ?? 24);
    const publicUrl = (config.publicUrl ?? '').trim().replace(/\/+$/, '');
    const share = config.shareClips === true && clipMode === 'episode';
    const problem = !(linkHours > 0 && linkHours <= 24 * 30)
      ? `links must live above 0 and at most 720 hours, got ${config.linkHours}`
      : publicUrl && !isPublicUrl(publicUrl)
        ? `public URL must look like http://192.168.1.10:1880, got ${publicUrl}`
        : !(maxSizeMB > 0)
          ? `maximum CSV size must be above 0 MB, got ${config.maxSizeMB}`
          : !(csvKeepDays >= 1) || !(csvMaxTotalMB > 0)
            ? `CSV retention must be at least 1 day and above 0 MB, got ${config.csvKeepDays} days, ${config.csvMaxTotalMB} MB`
            : !(preRoll >= 0 && preRoll <= 60)
              ? `pre-roll must be 0-60 s, got ${config.preRoll}`
              : !(maxAgeDays > 0)
                ? `maximum clip age must be above 0 days, got ${config.maxAgeDays}`
                : !(maxTotalMB > 0)
                  ? `maximum clip space must be above 0 MB, got ${config.maxTotalMB}`
                  : undefined;
    if (problem) return reportConfigError(this, problem);
    const status = createStatusReporter(this);
    const csv = createCsvLog({
      file,
      columns: ['timestamp', 'audio_file', 'probability', 'model', 'source'],
      rotation,
      maxBytes: maxSizeMB * 1024 * 1024,
      keepDays: csvKeepDays,
      maxTotalBytes: csvMaxTotalMB * 1024 * 1024,
    });
    const links = share ? createClipLinks(clipFolder, linkHours * 3600 * 1000) : undefined;
    if (links) linkStores.set(this.id, links);
    const clips = createClipStore({
      folder: clipFolder,
      mode: clipMode,
      preRollSeconds: preRoll,
      maxAgeDays,
      maxTotalBytes: maxTotalMB * 1024 * 1024,
      episodeImages: clipMode === 'episode',
      onEpisodeClosed: ({ audio, image, seconds, source }) => {
        // The episode's clip is complete: say where it is (and, when shared, at which link) on the second output.
        const shared = links?.share(audio, image);
        const url = (relative?: string) =>
          relative ? `${publicUrl}${nodeRoot}${CLIP_ROUTE}/${relative}` : undefined;
        const clip = {
          audio,
          image,
          seconds,
          source,
          url: url(shared?.audioPath),
          imageUrl: url(shared?.imagePath),
          expires: shared?.expires.toISOString(),
        };
        this.send([null, { topic: 'cry-baby/clip', payload: clip.url ?? audio, clip } as NodeMessage]);
      },
    });
    let rows = 0;
    status.ok(`logging to ${path.basename(csv.fileFor(new Date()))}`);

    this.on('input', (msg: LogMessage, send, done) => {
      const probability = verdictProbability(msg) ?? NaN;
      if (!(probability >= 0 && probability <= 1)) {
        return failInput(
          status,
          done,
          new Error(
            `expected a cry classifier message (msg.cry.probability), got ${describeValue(msg.cry?.probability ?? msg.payload)}`,
          ),
        );
      }
      // The window's own time goes into the row when it is plausible (from 2000 to a day ahead of the host clock);
      // file names always come from the host clock.
      const now = new Date();
      const parsedTime = typeof msg.cry?.windowStart === 'string' ? new Date(msg.cry.windowStart) : now;
      const plausible =
        Number.isFinite(parsedTime.getTime()) &&
        parsedTime.getTime() >= Date.UTC(2000, 0, 1) &&
        parsedTime.getTime() <= now.getTime() + 86400000;
      const time = plausible ? parsedTime : now;
      const source =
        typeof msg.cry?.source === 'string'
          ? msg.cry.source
          : typeof msg.window?.source === 'string'
            ? msg.window.source
            : this.id;
      const saveClip = async (): Promise<string> => {
        if (clipMode === 'none' || !msg.audio) return '';
        const audio = parseAudioMessage(msg.audio);
        return clips.add({
          samples: audio.samples,
          sampleRate: audio.sampleRate,
          startSample: typeof msg.window?.startSample === 'number' ? msg.window.startSample : undefined,
          source: sourceOfStream(source),
          time,
          // After cry detect (its second output) the episode decides; straight from the classifier, the window.
          crying: typeof msg.crying === 'boolean' ? msg.crying : msg.cry?.crying === true,
        });
      };
      saveClip()
        .catch((error) => {
          this.error(`could not save the audio clip in ${clipFolder}: ${errorMessage(error)}`, msg);
          return '';
        })
        .then(async (clip) => {
          const audioFile = clip || (typeof msg.file === 'string' ? msg.file : '');
          const written = await csv.append(
            {
              timestamp: time.toISOString(),
              audio_file: audioFile,
              probability: probability.toFixed(6),
              model: typeof msg.cry?.model === 'string' ? msg.cry.model : '',
              source,
            },
            now,
          );
          rows++;
          status.ok(`${rows} row${rows === 1 ? '' : 's'} in ${path.basename(written)}`);
          (msg as LogMessage & Record<string, unknown>).log = { file: written, audioFile };
          send(msg);
          done();
        })
        .catch((error) =>
          failInput(status, done, new Error(`could not write ${file}: ${errorMessage(error)}`)),
        );
    });
    this.on('close', (_removed: boolean, done: () => void) => {
      linkStores.delete(this.id);
      clips.close().then(
        () => done(),
        () => done(),
      );
      status.clear();
    });
  }
  RED.nodes.registerType('cry-log', CryLogNode);
};
