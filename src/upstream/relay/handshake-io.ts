/**
 * Handshake messages on the byte stream (docs/protocol.md "Relay tunnel"): each Noise message is sent as
 * length u16 BE ‖ message. `readMessage` waits for one, with a deadline, and keeps whatever followed it for
 * the tunnel.
 */
import { RelayError } from './errors.js';
import type { RelayTransport } from './transport.js';

/** Noise messages are at most 65535 bytes (noiseprotocol.org/noise.html section 3); ours are far smaller. */
const MAX_HANDSHAKE_MESSAGE = 1024;

export function writeHandshakeMessage(transport: RelayTransport, message: Uint8Array): void {
  const framed = Buffer.allocUnsafe(2 + message.length);
  framed.writeUInt16BE(message.length, 0);
  framed.set(message, 2);
  transport.write(framed);
}

export interface ReadMessage {
  message: Uint8Array;
  /** Bytes that arrived after the message (records), to feed the tunnel. */
  rest: Uint8Array;
}

export function readHandshakeMessage(transport: RelayTransport, timeoutMs: number): Promise<ReadMessage> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    let done = false;
    const finish = (err: RelayError | undefined, value?: ReadMessage) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      transport.bind({ data() {}, drain() {}, end() {}, close() {} });
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => finish(new RelayError('handshake-timeout', `no handshake message within ${timeoutMs} ms`)), timeoutMs);
    transport.bind({
      data(chunk) {
        buffered = Buffer.concat([buffered, chunk]); // copies: the chunk is borrowed
        if (buffered.length < 2) return;
        const length = buffered.readUInt16BE(0);
        if (length > MAX_HANDSHAKE_MESSAGE) return finish(new RelayError('handshake-malformed', `handshake message of ${length} bytes`));
        if (buffered.length < 2 + length) return;
        finish(undefined, { message: buffered.subarray(2, 2 + length), rest: buffered.subarray(2 + length) });
      },
      drain() {},
      end() {},
      close() {
        finish(new RelayError('handshake-closed', 'the peer closed the connection during the handshake'));
      },
    });
  });
}
