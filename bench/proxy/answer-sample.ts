/**
 * One valid fake-TLS client's view of the proxy's answer (docs/protocol.md "Server answer"): its hello for
 * an ee secret, then the bytes read until the answer verifies. The profile benchmark checks with it which
 * answer a proxy gave (the site's flight or the template's); the profile tests use it too.
 */
import { connect, type Socket } from 'node:net';
import { parseServerFlight } from '../../src/fronting/flight.js';
import { buildClientHello, verifyServerAnswer } from '../../src/protocol/faketls.js';
import type { ParsedSecret } from '../../src/protocol/secrets.js';

export interface SampledAnswer {
  /** The ServerHello, ChangeCipherSpec and application-data record, as sent. */
  answer: Buffer;
  /** Still open: the caller closes it (or goes on with the handshake). */
  socket: Socket;
  hello: ReturnType<typeof buildClientHello>;
}

export async function sampleAnswer(port: number, secret: ParsedSecret, hello = buildClientHello(secret.key, secret.domain!, Date.now()), timeoutMs = 10_000): Promise<SampledAnswer> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  socket.write(hello.record);
  const answer = await new Promise<Buffer>((resolve, reject) => {
    let bytes = Buffer.alloc(0);
    const timer = setTimeout(() => done(new Error(`no verified answer within ${timeoutMs} ms`)), timeoutMs);
    const done = (err?: Error, value?: Buffer) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', done);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve(value!);
    };
    const onData = (chunk: Buffer) => {
      bytes = Buffer.concat([bytes, chunk]);
      const result = verifyServerAnswer(secret.key, hello.random, bytes);
      if (result.status === 'error') done(result.error);
      else if (result.status === 'ok') done(undefined, bytes.subarray(0, result.length));
    };
    const onClose = () => done(new Error(`closed after ${bytes.length} bytes, before a verified answer`));
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', done);
  });
  return { answer, socket, hello };
}

/** The answer's certificate-flight record size (the one application-data record), for `count` clients. */
export async function answerFlightSizes(port: number, secret: ParsedSecret, count: number): Promise<number[]> {
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    const { answer, socket } = await sampleAnswer(port, secret);
    socket.destroy();
    sizes.push(parseServerFlight(answer).encryptedSizes[0] ?? 0);
  }
  return sizes;
}
