/**
 * The echo DC (fake-dc.ts) in a process of its own, for the idle scenario of workers.ts: 10 000 idle
 * connections need 10 000 DC-side sockets, and with the load generator's 10 000 in the same process they pass
 * the container's hard limit of 20 000 descriptors. Sends `{ port }` to its parent once listening and runs until
 * the parent goes away.
 */
import { startEchoDc } from './fake-dc.js';

const dc = await startEchoDc();
process.send?.({ port: dc.port });
process.on('disconnect', () => void dc.close().finally(() => process.exit(0)));
