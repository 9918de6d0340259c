/**
 * An echo "data centre" for the proxy benchmark: accepts the proxy's obfuscated2 header with no secret
 * (docs/protocol.md "Proxy → DC": keys are the header's own key material), then decrypts what arrives and sends
 * it back re-encrypted with its own write keys, byte for byte, honouring backpressure. It never parses
 * frames: in direct mode the link is a byte stream.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { listenOnPort0 } from './launch.js';
import { HEADER_LENGTH, parseDcHeader } from '../../src/protocol/obfuscated2.js';
import { createCtrStream } from '../../src/protocol/ctr.js';

export interface EchoDc {
  port: number;
  /** Connections whose header the DC accepted. */
  accepted(): number;
  rejected(): number;
  close(): Promise<void>;
}

export async function startEchoDc(host = '127.0.0.1'): Promise<EchoDc> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let rejected = 0;
  const server: Server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    const onHeader = (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (pending.length < HEADER_LENGTH) return;
      socket.off('data', onHeader);
      const match = parseDcHeader(new Uint8Array(pending.subarray(0, HEADER_LENGTH)));
      if (!match.ok) {
        rejected++;
        socket.destroy();
        return;
      }
      accepted++;
      const decrypt = createCtrStream(match.decrypt);
      const encrypt = createCtrStream(match.encrypt);
      const echo = (data: Buffer) => {
        if (!socket.write(encrypt.update(decrypt.update(data)))) {
          socket.pause();
          socket.once('drain', () => socket.resume());
        }
      };
      socket.on('data', echo);
      if (pending.length > HEADER_LENGTH) echo(pending.subarray(HEADER_LENGTH));
    };
    socket.on('data', onHeader);
  });
  const port = await listenOnPort0(server, host);
  return {
    port,
    accepted: () => accepted,
    rejected: () => rejected,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
