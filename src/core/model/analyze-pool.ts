/**
 * A pool of worker threads, each with its own copy of the cry model, for analysing long recordings on every core:
 * `analyze(samples)` goes to the least busy worker and resolves with its verdicts. Used with the block analyzer
 * (block-analyzer.ts), which keeps as many blocks in analysis as there are workers and delivers the verdicts in
 * stream order, so the result is the same as on one thread. `close()` terminates the workers.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { CryModelInfo, CryVerdict } from './cry-model';
import type { ResolvedModel } from './select';
import type { BackendName } from './tf';
import type { YamnetInputOptions } from './yamnet/yamnet-model';

/** What a worker is started with. */
export interface AnalyzeWorkerData {
  readonly resolved: ResolvedModel;
  readonly backend?: BackendName;
  readonly yamnet?: YamnetInputOptions;
}

/** Messages from a worker. */
export type AnalyzeWorkerReply =
  | { readonly kind: 'ready'; readonly info: CryModelInfo }
  | { readonly kind: 'verdicts'; readonly id: number; readonly verdicts: CryVerdict[] }
  | { readonly kind: 'error'; readonly id: number; readonly message: string };

export interface AnalyzePool {
  /** The model's description, from the first worker (resolves once every worker has loaded the model). */
  readonly ready: Promise<CryModelInfo>;
  analyze(samples: Float32Array): Promise<CryVerdict[]>;
  close(): Promise<void>;
}

/** Starts `threads` workers that each load `resolved`. */
export function createAnalyzePool(
  resolved: ResolvedModel,
  options: { threads: number; backend?: BackendName; yamnet?: YamnetInputOptions },
): AnalyzePool {
  const threads = Math.max(1, Math.floor(options.threads));
  const workerData: AnalyzeWorkerData = {
    resolved,
    backend: options.backend,
    yamnet: options.yamnet,
  };
  const calls = new Map<number, { resolve: (v: CryVerdict[]) => void; reject: (e: Error) => void }>();
  const busy: number[] = [];
  let nextId = 0;
  let closed = false;
  const workers: Worker[] = [];
  const loaded: Promise<CryModelInfo>[] = [];
  for (let w = 0; w < threads; w++) {
    const worker = new Worker(path.join(__dirname, 'analyze-worker.js'), { workerData });
    workers.push(worker);
    busy.push(0);
    loaded.push(
      new Promise<CryModelInfo>((resolve, reject) => {
        worker.on('message', (reply: AnalyzeWorkerReply) => {
          if (reply.kind === 'ready') {
            resolve(reply.info);
            return;
          }
          const call = calls.get(reply.id);
          if (!call) return;
          calls.delete(reply.id);
          busy[w]--;
          if (reply.kind === 'verdicts') call.resolve(reply.verdicts);
          else call.reject(new Error(reply.message));
        });
        worker.on('error', (error) => {
          reject(error);
          failAll(error);
        });
        worker.on('exit', (code) => {
          if (!closed) {
            const error = new Error(`an analysis worker stopped (exit code ${code})`);
            reject(error);
            failAll(error);
          }
        });
      }),
    );
  }
  function failAll(error: Error): void {
    for (const call of calls.values()) call.reject(error);
    calls.clear();
  }
  const ready = Promise.all(loaded).then((infos) => infos[0]);
  // Callers see a failed load through `ready`; this keeps an early failure from counting as unhandled.
  ready.catch(() => undefined);
  return {
    ready,
    async analyze(samples) {
      if (closed) throw new Error('the analysis pool is closed');
      await ready;
      let w = 0;
      for (let i = 1; i < workers.length; i++) if (busy[i] < busy[w]) w = i;
      const id = nextId++;
      busy[w]++;
      return new Promise<CryVerdict[]>((resolve, reject) => {
        calls.set(id, { resolve, reject });
        // A copy of its own is moved to the worker (the caller's buffer stays usable).
        const copy = samples.slice();
        workers[w].postMessage({ id, samples: copy }, [copy.buffer as ArrayBuffer]);
      });
    },
    async close() {
      closed = true;
      failAll(new Error('the analysis pool is closed'));
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
