/**
 * A client may send its 64-byte obfuscated2 header and a large first frame in one write, so the proxy reads
 * them in one chunk: the handshake must decide on the header and relay the rest, whatever its size.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { buildClientHeader } from '../../src/protocol/obfuscated2.js';
import { createCtrStream } from '../../src/protocol/ctr.js';
import { encodeFrame, FrameDecoder } from '../../src/protocol/framing.js';
import { startFakeDc } from '../helpers/fake-dc.js';
import { connectTo } from '../helpers/net.js';
import { startTestProxy } from '../helpers/proxy.js';

const dd = generateSecret('dd');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('first payload in the same read as the header', () => {
  // MTProto payloads are whole 4-byte words (padded intermediate strips len % 4 as padding).
  for (const size of [4, 40_000, 70_000]) {
    it(`relays a ${size}-byte first frame written together with the header`, async () => {
      const dc = await startFakeDc();
      cleanups.push(() => dc.close());
      const proxy = await startTestProxy({ users: { d: { secret: formatSecret(dd) } }, upstream: { dc: { '2': [`127.0.0.1:${dc.port}`] } } });
      cleanups.push(() => proxy.stop());

      const header = buildClientHeader(dd.key, 'padded', 2);
      const encrypt = createCtrStream(header.encrypt);
      const decrypt = createCtrStream(header.decrypt);
      const payload = new Uint8Array(size).map((_, i) => (i * 13) & 0xff);
      const socket = await connectTo(proxy.port);
      cleanups.push(() => void socket.destroy());
      socket.write(Buffer.concat([header.header, encrypt.update(encodeFrame('padded', payload, { padding: 0 }))]));

      const decoder = new FrameDecoder('padded', { direction: 'from-server' });
      const echoed = await new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no echo in time')), 10_000);
        socket.on('data', (chunk: Buffer) => {
          for (const f of decoder.push(decrypt.update(chunk))) {
            if (f.type === 'data') {
              clearTimeout(timer);
              resolve(f.payload);
            }
          }
        });
      });
      // Padded intermediate leaves up to 15 padding bytes on the echo; the payload is its prefix.
      expect(Buffer.from(echoed.subarray(0, size)).equals(Buffer.from(payload))).toBe(true);
    });
  }
});
