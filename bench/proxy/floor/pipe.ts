/**
 * Floor subject `pipe` (docs/benchmarks.md "Floor subjects"): what Node costs to accept a client, read its
 * first message (the 64-byte obfuscated2 header for dd, the ClientHello record for ee), dial, and move bytes both
 * ways, with no crypto at all. It cannot speak to a DC (that needs the keys), so it dials a target that plays the
 * proxy's crypto and the DC's echo at once (echo-target.ts) and forwards everything to it unchanged.
 *
 *   node pipe.js --port N --upstream HOST:PORT
 */
import { connect, createServer } from 'node:net';
import { floorArgs } from './args.js';
import { isTls } from './handshake.js';
import { recordSize } from './faketls.js';
import { HEADER_LENGTH } from './obfuscated2.js';
import { BUFFER_BYTES, pipeBoth } from './relay.js';

const args = floorArgs();
const upstream = args.upstream;
if (!upstream) throw new Error('pipe floor: --upstream HOST:PORT');

createServer({ noDelay: true, highWaterMark: BUFFER_BYTES }, (client) => {
  let first: Buffer = Buffer.alloc(0);
  client.on('error', () => client.destroy());
  const onData = (chunk: Buffer) => {
    first = first.length === 0 ? chunk : Buffer.concat([first, chunk]);
    if (first.length < 3) return;
    const need = isTls(first) ? recordSize(first) : HEADER_LENGTH;
    if (need === 0 || first.length < need) return;
    client.off('data', onData);
    // Node honours highWaterMark on sockets; @types/node 20 omits it from connect's options.
    const options = { host: upstream.host, port: upstream.port, noDelay: true, highWaterMark: BUFFER_BYTES };
    const socket = connect(options);
    socket.write(first); // queued until connected
    pipeBoth(client, socket);
  };
  client.on('data', onData);
}).listen(args.port, '127.0.0.1');
