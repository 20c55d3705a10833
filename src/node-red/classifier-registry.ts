/**
 * One cry model per (model, file or folder) per Node-RED process, shared by every cry-classifier node that uses
 * it and disposed when the last of them closes; and one YAMNet download per target folder at a time.
 */
import type { CryModel } from '../core/model/cry-model';
import { createCryModel, ResolvedModel } from '../core/model/select';
import { fetchYamnet } from '../core/model/yamnet/fetch';

/** Lends models out by what they were resolved to. */
export interface ClassifierRegistry {
  acquire(resolved: ResolvedModel): CryModel;
  release(resolved: ResolvedModel): void;
  /**
   * Downloads YAMNet into `dir` once (from the official URLs, or `$CRY_BABY_YAMNET_URL`, e.g. a local mirror), however many nodes ask at the same time; `cancel` (on close) gives the
   * caller's interest up, and the download stops when nobody waits for it any more.
   */
  download(dir: string): { readonly result: Promise<string>; cancel(): void };
}

/** Creates a registry (the node module makes one when Node-RED loads it). */
export function createClassifierRegistry(): ClassifierRegistry {
  const entries = new Map<string, { model: CryModel; users: number }>();
  const downloads = new Map<
    string,
    { controller: AbortController; waiters: number; result: Promise<string> }
  >();
  const keyOf = (resolved: ResolvedModel) => `${resolved.name}:${resolved.source}`;
  return {
    acquire(resolved) {
      const key = keyOf(resolved);
      let entry = entries.get(key);
      if (!entry) {
        entry = { model: createCryModel(resolved), users: 0 };
        entries.set(key, entry);
      }
      entry.users++;
      return entry.model;
    },
    release(resolved) {
      const key = keyOf(resolved);
      const entry = entries.get(key);
      if (!entry) return;
      entry.users--;
      if (entry.users <= 0) {
        entries.delete(key);
        entry.model.dispose();
      }
    },
    download(dir) {
      let pending = downloads.get(dir);
      if (!pending) {
        const controller = new AbortController();
        const entry = {
          controller,
          waiters: 0,
          result: fetchYamnet({
            dir,
            from: process.env.CRY_BABY_YAMNET_URL?.trim() || undefined,
            signal: controller.signal,
          }).finally(() => downloads.delete(dir)),
        };
        downloads.set(dir, entry);
        pending = entry;
      }
      const entry = pending;
      entry.waiters++;
      let cancelled = false;
      return {
        result: entry.result,
        cancel() {
          if (cancelled) return;
          cancelled = true;
          entry.waiters--;
          if (entry.waiters <= 0) entry.controller.abort();
        },
      };
    },
  };
}
