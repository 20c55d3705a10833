/**
 * One classifier per model folder per Node-RED process, shared by every cry-classifier node that uses it; the
 * model is disposed when the last of them closes.
 */
import { createCryClassifier, CryClassifier } from '../core/model/classifier';

/** Lends classifiers out by model folder. */
export interface ClassifierRegistry {
  acquire(modelDir: string): CryClassifier;
  release(modelDir: string): void;
}

/** Creates a registry (the node module makes one when Node-RED loads it). */
export function createClassifierRegistry(): ClassifierRegistry {
  const entries = new Map<string, { classifier: CryClassifier; users: number }>();
  return {
    acquire(modelDir) {
      let entry = entries.get(modelDir);
      if (!entry) {
        entry = { classifier: createCryClassifier(modelDir), users: 0 };
        entries.set(modelDir, entry);
      }
      entry.users++;
      return entry.classifier;
    },
    release(modelDir) {
      const entry = entries.get(modelDir);
      if (!entry) return;
      entry.users--;
      if (entry.users <= 0) {
        entries.delete(modelDir);
        entry.classifier.dispose();
      }
    },
  };
}
