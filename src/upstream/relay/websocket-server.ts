/**
 * The exit's WebSocket listener on uWebSockets.js (as the admin plane uses it, src/admin/server.ts): one route
 * `path` whose binary messages carry relay records as a byte stream (RFC 6455), so the exit can sit behind an
 * HTTP reverse proxy or CDN. Each connection becomes a RelayTransport; a closed uWS socket is never touched
 * again (uWS throws on access after close).
 */
import uWS, { type us_listen_socket, type WebSocket as UwsSocket } from 'uWebSockets.js';
import { RelayError } from './errors.js';
import type { RelayTransport, RelayTransportHandlers } from './transport.js';

const HIGH_WATER = 1024 * 1024;
const NOOP_HANDLERS: RelayTransportHandlers = { data() {}, drain() {}, end() {}, close() {} };

interface SocketData {
  transport?: UwsTransport;
  remote: string;
}

class UwsTransport implements RelayTransport {
  handlers = NOOP_HANDLERS;
  closed = false;

  constructor(private readonly ws: UwsSocket<SocketData>, readonly remote: string) {}

  bind(handlers: RelayTransportHandlers): void {
    this.handlers = handlers;
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed) return false;
    const status = this.ws.send(chunk, true);
    if (status === 2) {
      // dropped: the peer is far behind; the stream of records would have a hole, so the tunnel must end
      this.destroy();
      return false;
    }
    return status === 1 && this.ws.getBufferedAmount() < HIGH_WATER;
  }

  end(): void {
    if (!this.closed) this.ws.end(1000);
  }

  destroy(): void {
    if (!this.closed) this.ws.close();
  }
}

export interface WebSocketListener {
  readonly port: number;
  close(): void;
}

/** Listens on host:port for WebSocket upgrades at `path`; `onTransport` gets each new connection. */
export function listenWebSocket(host: string, port: number, path: string, onTransport: (t: RelayTransport) => void): Promise<WebSocketListener> {
  const app = uWS.App();
  app.ws<SocketData>(path, {
    maxPayloadLength: 4 * 1024 * 1024,
    maxBackpressure: 64 * 1024 * 1024,
    idleTimeout: 120,
    sendPingsAutomatically: true,
    compression: uWS.DISABLED,
    upgrade: (res, req, context) => {
      const remote = Buffer.from(res.getRemoteAddressAsText()).toString();
      res.upgrade<SocketData>(
        { remote },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      const data = ws.getUserData();
      data.transport = new UwsTransport(ws, data.remote);
      onTransport(data.transport);
    },
    message: (ws, message) => ws.getUserData().transport?.handlers.data(new Uint8Array(message)), // borrowed until return
    drain: (ws) => {
      const t = ws.getUserData().transport;
      if (t !== undefined && ws.getBufferedAmount() < HIGH_WATER / 2) t.handlers.drain();
    },
    close: (ws, code) => {
      const t = ws.getUserData().transport;
      if (t === undefined) return;
      t.closed = true;
      if (code === 1000) t.handlers.end();
      t.handlers.close();
    },
  });
  app.any('/*', (res) => {
    res.writeStatus('404 Not Found').end();
  });
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket: us_listen_socket | false) => {
      if (!socket) {
        reject(new RelayError('transport-error', `relay WebSocket listener cannot listen on ${host}:${port}`));
        return;
      }
      resolve({
        port: uWS.us_socket_local_port(socket as unknown as uWS.us_socket),
        close() {
          uWS.us_listen_socket_close(socket);
          (app as unknown as { close?: () => void }).close?.();
        },
      });
    });
  });
}
