/**
 * An echo middle proxy for the proxy benchmark (docs/protocol.md "Middle proxy"): the server side of the RPC
 * handshake with node:crypto CBC, then every RPC_PROXY_REQ answered with RPC_PROXY_ANS carrying the same packet
 * (so the load generator's echo check holds through middle mode), RPC_PING with RPC_PONG. It counts its links,
 * which gives the benchmark's clients per link.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenOnPort0 } from './launch.js';
import {
  RPC_PING,
  RPC_PONG,
  RPC_PROXY_REQ,
  RpcChannel,
  encodeProxyAns,
  nodeCbc,
  parseProxyReq,
  serverHandshake,
} from '../../src/upstream/middle/index.js';

export interface EchoMiddleProxy {
  port: number;
  /** The proxy secret the handshake expects (written to the proxy's proxy_secret file). */
  secret: Buffer;
  /** Links open now (handshake done). */
  links(): number;
  close(): Promise<void>;
}

export async function startEchoMiddleProxy(host = '127.0.0.1'): Promise<EchoMiddleProxy> {
  const secret = randomBytes(128);
  const sockets = new Set<Socket>();
  let open = 0;
  const server: Server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    const channel = new RpcChannel(socket);
    let counted = false;
    socket.on('close', () => {
      sockets.delete(socket);
      if (counted) open--;
    });
    const onPacket = (payload: Buffer) => {
      const type = payload.readUInt32LE(0);
      if (type === RPC_PROXY_REQ) {
        const req = parseProxyReq(payload);
        channel.sendPayload(encodeProxyAns(req.connId, 0, req.packet));
      } else if (type === RPC_PING) {
        const pong = Buffer.from(payload);
        pong.writeUInt32LE(RPC_PONG, 0);
        channel.sendPayload(pong);
      }
    };
    serverHandshake(channel, { proxySecret: secret, registry: nodeCbc }, onPacket).then(
      () => {
        counted = true;
        open++;
        channel.onFailure = () => socket.destroy();
      },
      () => socket.destroy(),
    );
  });
  const port = await listenOnPort0(server, host);
  return {
    port,
    secret,
    links: () => open,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The echo middle proxy's secret and table as files, and the [upstream] TOML that points mtshield at them
 * (`adTagHex`: the ad tag every request carries, as the peer's in peer mode).
 */
export function writeMiddleUpstreamToml(middle: Pick<EchoMiddleProxy, 'port' | 'secret'>, adTagHex?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mtshield-bench-middle-'));
  const secretPath = join(dir, 'proxy-secret');
  const configPath = join(dir, 'proxy-multi.conf');
  writeFileSync(secretPath, middle.secret);
  writeFileSync(configPath, `default 2;\nproxy_for 2 127.0.0.1:${middle.port};\nproxy_for -2 127.0.0.1:${middle.port};\n`);
  const tag = adTagHex === undefined ? '' : `ad_tag = ${JSON.stringify(adTagHex)}\n`;
  return `\n[upstream]\nmode = "middle"\n${tag}\n[upstream.middle]\nproxy_secret = ${JSON.stringify(secretPath)}\nproxy_config = ${JSON.stringify(configPath)}\n`;
}
