// Starts a worker thread (the embedded ledger's, the WAL checkpointer's) from the TypeScript sources (tests, and `sauti` run before
// `npm run build`): a worker does not inherit the tsx loader its parent registered, so it
// registers its own, then loads the entry named in its workerData. The bundle (dist/) needs none.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
