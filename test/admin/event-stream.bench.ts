/**
 * What a live-event subscriber costs the emitter (the data plane): bus.emit('security.event') with no
 * subscriber, with 8 reading subscribers and with 8 stalled ones (paused sockets), side by side in one run.
 * Run: npx tsx test/admin/event-stream.bench.ts  → one JSON line per case, plus the ratios.
 */
import uWS from 'uWebSockets.js';
import WebSocket from 'ws';
import { EventBus, type SecurityEvent } from '../../src/events.js';
import { EventStream, type SubscriberData } from '../../src/admin/event-stream.js';

const EVENTS = 100_000;
const bus = new EventBus();
const stream = new EventStream(bus, { queueLimit: 256 });
const app = uWS.App().ws<SubscriberData>('/e', {
  open: (ws) => stream.attach(ws),
  drain: (ws) => stream.drained(ws),
  close: (ws) => stream.detach(ws),
});
const port = await new Promise<number>((resolve) => app.listen('127.0.0.1', 0, (s) => resolve(uWS.us_socket_local_port(s as unknown as uWS.us_socket))));
const event: SecurityEvent = { type: 'anomaly.handshake_burst', severity: 'high', at: 0, message: 'burst of failed handshakes', ip: '203.0.113.7', details: { failures: 31 } };

async function measure(label: string): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < EVENTS; i++) {
    bus.emit('security.event', event);
    if (i % 100 === 99) await new Promise((r) => setImmediate(r)); // bursts of 100 (< the queue): flushes run between
  }
  const ns = Number(process.hrtime.bigint() - start) / EVENTS;
  const stats = stream.stats();
  console.log(JSON.stringify({ label, nsPerEmit: Math.round(ns), subscribers: stats.subscribers, maxQueued: Math.max(0, ...stats.queued), dropped: stats.dropped.reduce((a, b) => a + b, 0) }));
  return ns;
}

async function subscribers(n: number, paused: boolean): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  for (let i = 0; i < n; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/e`);
    await new Promise((r) => ws.once('open', r));
    if (paused) ws.pause();
    out.push(ws);
  }
  await new Promise((r) => setTimeout(r, 100));
  return out;
}

const none = await measure('no subscriber');
let clients = await subscribers(8, false);
const reading = await measure('8 reading subscribers');
for (const c of clients) c.terminate();
await new Promise((r) => setTimeout(r, 100));
clients = await subscribers(8, true);
const stalled = await measure('8 stalled subscribers');
for (const c of clients) c.terminate();
console.log(JSON.stringify({ ratioReadingToNone: +(reading / none).toFixed(1), ratioStalledToReading: +(stalled / reading).toFixed(2) }));
stream.close();
(app as unknown as { close(): void }).close();
