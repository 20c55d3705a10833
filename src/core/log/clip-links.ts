/**
 * Unguessable, expiring links to episode clips, for a phone notification: each shared clip gets a random 128-bit
 * token; `/<token>/<name>` resolves only while the link lives, only to that clip (or its spectrogram PNG beside
 * it), and only inside the clip folder. Anything else resolves to nothing, so a caller answers 404 and learns
 * nothing about what exists.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** A shared clip. */
export interface SharedClip {
  readonly token: string;
  /** `<token>/<clip name>` and `<token>/<image name>` (relative: the caller puts its route in front). */
  readonly audioPath: string;
  readonly imagePath?: string;
  readonly expires: Date;
}

/** The links of one clip folder. */
export interface ClipLinks {
  share(file: string, imageFile?: string): SharedClip;
  /** The file to serve for `token` and `name`, or undefined. */
  resolve(token: string, name: string): Promise<{ file: string; contentType: string } | undefined>;
  readonly size: number;
}

const TOKEN = /^[0-9a-f]{32}$/;

/** Creates the links of `folder`, each valid for `ttlMs`; at most `maxLinks` live at once (the oldest go first). */
export function createClipLinks(
  folder: string,
  ttlMs: number,
  maxLinks = 1000,
  now = () => Date.now(),
): ClipLinks {
  const root = path.resolve(folder);
  const links = new Map<string, { files: Map<string, string>; expires: number }>();
  const prune = () => {
    const time = now();
    for (const [token, link] of links) if (link.expires <= time) links.delete(token);
    while (links.size > maxLinks) links.delete(links.keys().next().value as string);
  };
  const inside = (file: string) => {
    const resolved = path.resolve(file);
    return resolved.startsWith(root + path.sep) ? resolved : undefined;
  };
  return {
    get size() {
      return links.size;
    },
    share(file, imageFile) {
      const audio = inside(file);
      if (!audio) throw new Error(`only clips inside ${root} can be shared, not ${file}`);
      const image = imageFile ? inside(imageFile) : undefined;
      const token = randomBytes(16).toString('hex');
      const files = new Map([[path.basename(audio), audio]]);
      if (image) files.set(path.basename(image), image);
      const expires = now() + ttlMs;
      links.set(token, { files, expires });
      prune();
      return {
        token,
        audioPath: `${token}/${encodeURIComponent(path.basename(audio))}`,
        imagePath: image ? `${token}/${encodeURIComponent(path.basename(image))}` : undefined,
        expires: new Date(expires),
      };
    },
    async resolve(token, name) {
      prune();
      if (!TOKEN.test(token)) return undefined;
      const file = links.get(token)?.files.get(name);
      if (!file) return undefined;
      // The real path must still be inside the folder (a clip replaced by a symlink is not served).
      const real = await fs.promises.realpath(file).catch(() => undefined);
      const realRoot = await fs.promises.realpath(root).catch(() => root);
      if (!real || !real.startsWith(realRoot + path.sep)) return undefined;
      return { file: real, contentType: real.endsWith('.png') ? 'image/png' : 'audio/wav' };
    },
  };
}
