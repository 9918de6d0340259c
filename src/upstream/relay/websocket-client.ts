/**
 * The entry's WebSocket transport (RFC 6455, binary messages) on the `ws` client: records ride in binary
 * messages as a byte stream. Backpressure: write() reports false above HIGH_WATER bytes buffered in the socket,
 * and drain() follows once a send completes with the buffer under half of it.
 */
import WebSocket from 'ws';
import { RelayError } from './errors.js';
import type { RelayTransport, RelayTransportHandlers } from './transport.js';

const HIGH_WATER = 1024 * 1024;
const NOOP_HANDLERS: RelayTransportHandlers = { data() {}, drain() {}, end() {}, close() {} };

export class WebSocketClientTransport implements RelayTransport {
  private handlers = NOOP_HANDLERS;
  private waitingDrain = false;
  private closed = false;
  private error: Error | undefined;
  /** One callback for every send (no closure per message). */
  private readonly onSent = (): void => {
    if (this.waitingDrain && this.ws.bufferedAmount < HIGH_WATER / 2) {
      this.waitingDrain = false;
      this.handlers.drain();
    }
  };

  constructor(private readonly ws: WebSocket, readonly remote: string) {
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer) => this.handlers.data(data));
    ws.on('error', (err) => (this.error = err));
    ws.on('close', (code) => {
      this.closed = true;
      if (code === 1000) this.handlers.end();
      this.handlers.close(this.error);
    });
  }

  bind(handlers: RelayTransportHandlers): void {
    this.handlers = handlers;
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(chunk, { binary: true }, this.onSent);
    if (this.ws.bufferedAmount < HIGH_WATER) return true;
    this.waitingDrain = true;
    return false;
  }

  end(): void {
    if (!this.closed) this.ws.close(1000);
  }

  destroy(): void {
    if (!this.closed) this.ws.terminate();
  }
}

/** Opens `url` (ws://host:port/path) and resolves once the WebSocket is open. */
export function dialWebSocket(url: string, timeoutMs: number): Promise<WebSocketClientTransport> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs, maxPayload: 4 * 1024 * 1024 });
    const fail = (err: Error) => {
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      reject(new RelayError('transport-error', `relay WebSocket ${url}: ${err.message}`, { cause: err }));
    };
    ws.once('error', fail);
    ws.once('unexpected-response', (_req, res) => fail(new Error(`HTTP ${res.statusCode ?? '?'}`)));
    ws.once('open', () => {
      ws.off('error', fail);
      resolve(new WebSocketClientTransport(ws, new URL(url).host));
    });
  });
}
