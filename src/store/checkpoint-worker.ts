// The WAL checkpointer's own thread, for a gateway without an embedded ledger (whose thread runs
// the same loop otherwise): see checkpoint-loop.ts. Started by checkpointer.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { yieldToResidents } from '../worker-entry.ts';
import { startCheckpointLoop, type CheckpointTarget } from './checkpoint-loop.ts';

/** From the thread to the gateway. */
export type FromCheckpointWorker = { type: 'ready' } | { type: 'failed'; message: string };

const port = parentPort!;
// Below the gateway's priority, as the embedded ledger's thread: residents' answers come first.
yieldToResidents();
const stop = startCheckpointLoop(workerData as CheckpointTarget, (message) => port.postMessage({ type: 'failed', message } satisfies FromCheckpointWorker));
port.on('message', (message: { type: 'stop' }) => {
  if (message.type !== 'stop') return;
  stop();
  port.close();
});
port.postMessage({ type: 'ready' } satisfies FromCheckpointWorker);
