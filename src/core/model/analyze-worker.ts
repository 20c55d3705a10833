/**
 * One analysis worker of analyze-pool.ts: loads the model named in its worker data, says `ready` with the model's
 * description, then answers every `{ id, samples }` with that block's verdicts (or the error), one at a time.
 */
import { parentPort, workerData } from 'worker_threads';
import type { AnalyzeWorkerData, AnalyzeWorkerReply } from './analyze-pool';
import { createCryModel } from './select';

const port = parentPort;
if (port) {
  const data = workerData as AnalyzeWorkerData;
  const model = createCryModel(data.resolved, {
    backend: data.backend,
    yamnet: data.yamnet,
  });
  const post = (reply: AnalyzeWorkerReply) => port.postMessage(reply);
  model.ensureLoaded().then(
    (info) => {
      post({ kind: 'ready', info });
      let queue = Promise.resolve();
      port.on('message', (message: { id: number; samples: Float32Array }) => {
        queue = queue.then(async () => {
          try {
            post({ kind: 'verdicts', id: message.id, verdicts: await model.analyze(message.samples) });
          } catch (error) {
            post({
              kind: 'error',
              id: message.id,
              message: error instanceof Error ? error.message : String(error),
            });
          }
        });
      });
    },
    (error: unknown) => {
      // The pool sees the worker's error event and says why.
      throw error instanceof Error ? error : new Error(String(error));
    },
  );
}
