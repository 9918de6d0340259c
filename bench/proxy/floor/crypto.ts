/**
 * Floor subject `crypto` (docs/benchmarks.md "Floor subjects"): the least work a correct MTProxy does, written
 * plainly on node:crypto: the client's handshake (SHA-256 key derivation; for ee the ClientHello HMAC check and an
 * HMAC'd answer), a fresh obfuscated2 header to the DC, then the four AES-256-CTR passes of a relay (client
 * decrypt + DC encrypt one way, DC decrypt + client encrypt the other; for ee the record headers stripped and
 * added). With `--echo` it dials nothing and sends the client's frames back: admission minus the DC dial.
 *
 *   node crypto.js --port N --secret HEX [--secret HEX …] (--upstream HOST:PORT | --echo)
 */
import { connect, createServer } from 'node:net';
import { floorArgs } from './args.js';
import { acceptClient } from './handshake.js';
import { dcHeader } from './obfuscated2.js';
import { BUFFER_BYTES, cryptoEcho, cryptoRelay } from './relay.js';

const args = floorArgs();
const upstream = args.upstream;
if (!upstream && !args.echo) throw new Error('crypto floor: --upstream HOST:PORT or --echo');

createServer({ noDelay: true, highWaterMark: BUFFER_BYTES }, (client) => {
  client.on('error', () => client.destroy());
  acceptClient(client, args.secrets, (session) => {
    if (!upstream) return cryptoEcho(client, session);
    const dc = dcHeader(session.tail);
    // Node honours highWaterMark on sockets; @types/node 20 omits it from connect's options.
    const options = { host: upstream.host, port: upstream.port, noDelay: true, highWaterMark: BUFFER_BYTES };
    const socket = connect(options);
    socket.write(dc.header); // queued until connected
    cryptoRelay(client, session, socket, dc.encrypt, dc.decrypt);
  });
}).listen(args.port, '127.0.0.1');
