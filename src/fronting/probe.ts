/**
 * One look at a fronting site: connect over TCP, send a current browser's ClientHello for the domain,
 * record the first flight until the site goes quiet. [RFC 8446 §4.1.2–§4.1.3; docs/operations.md "Fronting
 * site profile"]
 *
 * The hello is the browser-shaped one of src/protocol/faketls-client.ts (GREASE, the usual suites,
 * X25519MLKEM768 + x25519 key shares, supported_versions, ALPN h2/http/1.1, SNI), keyed with a throw-away
 * key so its random is just random. Bounded: connect and read timeouts, a byte cap, and the flight ends
 * after `quietMs` without bytes (a TLS 1.3 server sends its whole flight at once, then waits for ours).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { buildClientHello } from '../protocol/faketls-client.js';
import { FrontingError } from './errors.js';
import { parseServerFlight, type FlightSample } from './flight.js';

export interface SiteTarget {
  readonly host: string;
  readonly port: number;
}

export interface ProbeOptions {
  /** Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** Longest wait for the flight, from the hello written; default 5 s. */
  readonly readTimeoutMs?: number;
  /** The flight is over after this long without bytes; default 250 ms. */
  readonly quietMs?: number;
  /** Stop reading after this many bytes; default 64 KiB. */
  readonly maxBytes?: number;
}

export function probeFlight(target: SiteTarget, serverName: string, options: ProbeOptions = {}): Promise<FlightSample> {
  const connectTimeout = options.connectTimeoutMs ?? 5000;
  const readTimeout = options.readTimeoutMs ?? 5000;
  const quiet = options.quietMs ?? 250;
  const maxBytes = options.maxBytes ?? 65536;
  const hello = buildClientHello(new Uint8Array(randomBytes(16)), serverName, Date.now()).record;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let sentAt = 0;
    let lastAt = 0;
    let connectMs = 0;
    const chunks: Buffer[] = [];
    let received = 0;
    let quietTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const socket: Socket = connect({ host: target.host, port: target.port });
    let deadline = setTimeout(() => finish(new FrontingError('ERR_FRONTING_TIMEOUT', `no TCP connection to ${where()} within ${connectTimeout} ms`)), connectTimeout);
    function where(): string {
      return `${target.host}:${target.port}`;
    }
    function finish(error?: FrontingError): void {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(quietTimer);
      socket.destroy();
      if (error && received === 0) return reject(error);
      try {
        const flight = parseServerFlight(Buffer.concat(chunks));
        resolve({ ...flight, connectMs, flightMs: lastAt - sentAt });
      } catch (err) {
        reject(err);
      }
    }
    socket.setNoDelay(true);
    socket.once('connect', () => {
      connectMs = performance.now() - started;
      clearTimeout(deadline);
      deadline = setTimeout(() => finish(new FrontingError('ERR_FRONTING_TIMEOUT', `no answer from ${where()} within ${readTimeout} ms`)), readTimeout);
      socket.write(hello);
      sentAt = performance.now();
    });
    socket.on('data', (chunk: Buffer) => {
      lastAt = performance.now();
      chunks.push(chunk);
      received += chunk.length;
      if (received >= maxBytes) return finish();
      clearTimeout(quietTimer);
      quietTimer = setTimeout(() => finish(), quiet);
    });
    socket.once('end', () => finish(new FrontingError('ERR_FRONTING_CONNECT', `${where()} closed before answering`)));
    socket.once('error', (err) => finish(new FrontingError('ERR_FRONTING_CONNECT', `cannot reach ${where()}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err })));
  });
}
