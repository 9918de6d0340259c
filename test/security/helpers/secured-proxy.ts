/**
 * The real proxy (test/helpers/proxy.ts) with a real security layer as its gate and shaper, on 127.0.0.1:0,
 * relaying to the fake DC; plus client helpers that report what happened to a connection.
 */
import { formatSecret, generateSecret } from '../../../src/protocol/secrets.js';
import { createSecurityLayer, ManualClock, type SecurityLayer } from '../../../src/security/index.js';
import { EventBus, type SecurityEvent } from '../../../src/events.js';
import { mtcuteClient } from '../../helpers/clients.js';
import type { FakeDc } from '../../helpers/fake-dc.js';
import { connectTo } from '../../helpers/net.js';
import { makeStateDir, startTestProxy, testConfig, type TestProxy } from '../../helpers/proxy.js';

export const secrets = {
  ee: formatSecret(generateSecret('ee', 'example.com')),
  dd: formatSecret(generateSecret('dd')),
  ee2: formatSecret(generateSecret('ee', 'example.com')),
};

/** Real time plus manual jumps: relays and token buckets see time pass, tests can still skip ahead. */
export class OffsetClock extends ManualClock {
  private offset = 0;
  override now(): number {
    return Date.now() + this.offset;
  }
  override set(at: number | Date): void {
    this.offset = (typeof at === 'number' ? at : at.getTime()) - Date.now();
  }
  override advance(ms: number): void {
    this.offset += ms;
  }
}

export interface SecuredProxy {
  proxy: TestProxy;
  layer: SecurityLayer;
  clock: ManualClock;
  events: SecurityEvent[];
  stop(): Promise<void>;
}

export async function startSecuredProxy(dc: FakeDc, input: Record<string, any> = {}, clock: ManualClock = new OffsetClock()): Promise<SecuredProxy> {
  const to = [`127.0.0.1:${dc.port}`];
  const full = {
    users: { alice: { secret: secrets.ee }, dave: { secret: secrets.dd }, bob: { secret: secrets.ee2 } },
    upstream: { dc: { '2': to } },
    ...input,
    // These tests check what a refused client sees at the socket; the default (front) is the attack tests' part.
    limits: input.limits ?? { refuse_action: 'close' },
  };
  const stateDir = makeStateDir();
  const config = testConfig(full, stateDir);
  const bus = new EventBus();
  const events: SecurityEvent[] = [];
  bus.on('security.event', (e) => events.push(e));
  const layer = await createSecurityLayer({ config, bus, clock, timers: false });
  const proxy = await startTestProxy(full, { bus, gate: layer.gate, shaper: layer.shaper, stateDir });
  layer.attach({ users: proxy.service.server.users });
  return {
    proxy,
    layer,
    clock,
    events,
    async stop() {
      await proxy.stop();
      await layer.close();
    },
  };
}

/** A real mtcute client: true when a frame went through the proxy to the DC and back. */
export async function roundTrip(port: number, secret: string): Promise<boolean> {
  let client;
  try {
    client = await mtcuteClient(port, secret, { id: 2 });
    const frame = new Uint8Array(64).map((_, i) => i * 7);
    await client.send(frame);
    const back = await client.receive(5_000);
    return Buffer.from(back.subarray(0, 64)).equals(Buffer.from(frame));
  } catch {
    return false;
  } finally {
    await client?.close().catch(() => {});
  }
}

/** A raw TCP connection that sends nothing and waits (bounded) for the proxy to end it. */
export async function rawAttempt(port: number): Promise<{ data: Buffer; closed: boolean }> {
  const socket = await connectTo(port);
  const chunks: Buffer[] = [];
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    socket.once('end', done);
    socket.once('close', done);
  });
  socket.destroy();
  return { data: Buffer.concat(chunks), closed };
}

/** Sends `bytes` as a would-be handshake and leaves the connection to the caller (the proxy may hold it open). */
export async function sendGarbage(port: number, bytes: Buffer) {
  const socket = await connectTo(port);
  socket.on('error', () => {});
  socket.write(bytes);
  return socket;
}
