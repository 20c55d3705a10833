/** The package's own version (for the Home Assistant device's software version), read once per call site. */
import { readFileSync } from 'fs';
import { dirname, join } from 'path';

/** The version in this package's package.json, found by walking up from the compiled file; "unknown" if not found. */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from, depth = 0; depth < 5; depth++, dir = dirname(dir)) {
    try {
      const info = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (info.name === 'node-red-contrib-cry-baby' && info.version) return info.version;
    } catch {
      // not here: one level up
    }
  }
  return 'unknown';
}
