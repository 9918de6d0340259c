/**
 * Fuzzing the admin plane (uWebSockets.js) of the assembled process over raw TCP: random methods, paths,
 * headers and bodies (with honest and lying content-lengths), huge headers, and WebSocket upgrades with garbage
 * (bad keys, no credentials, then garbage frames after a real upgrade). Each connection must be answered or
 * closed within its deadline; afterwards /healthz, an authenticated API call and the proxy still work, and
 * nothing was thrown (no uncaught exception or unhandled rejection).
 */
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call } from '../admin/helpers.js';
import { mtcuteClient } from '../helpers/clients.js';
import { connectTo } from '../helpers/net.js';
import { FUZZ_SEED as SEED, inBatches, useStack, type Stack } from './stack.js';

/** uWS neither answers nor closes a request it cannot parse: it drops it at its HTTP idle timeout (10 s, checked every 4 s). */
const DEADLINE_MS = 16_000;

let stack: Stack;
const guard = useStack((s) => (stack = s));

type Result = 'answered' | 'closed' | 'open';

/** Writes raw bytes to the admin port, half-closes, and waits for an answer or a close. */
async function rawExchange(bytes: Uint8Array, options: { end?: boolean; then?: Uint8Array } = {}): Promise<{ result: Result; head: string; sent: string }> {
  const socket = await connectTo(stack.adminPort);
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (result: Result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ result, head: received.subarray(0, 40).toString('latin1'), sent: JSON.stringify(Buffer.from(bytes).subarray(0, 300).toString('latin1')) + ` (${bytes.length} bytes, end=${options.end ?? true})` });
    };
    const timer = setTimeout(() => finish('open'), DEADLINE_MS);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // After a 101 the garbage frames go in; wait for uWS to close the WebSocket.
      if (options.then && received.includes('\r\n\r\n') && received.subarray(0, 12).toString() === 'HTTP/1.1 101') {
        const next = options.then;
        options = { ...options, then: undefined };
        // Garbage instead of masked frames, then FIN: a partial frame alone would be a live (authenticated)
        // WebSocket waiting for the rest, which uWS keeps for its idleTimeout (120 s) with pings.
        socket.end(next);
        return;
      }
      if (!options.then && received.includes('\r\n\r\n') && !received.subarray(0, 12).toString().includes('101')) finish('answered');
    });
    // uWS ends an idle or unparseable connection with a FIN (our socket allows half-open, so 'end' comes first).
    socket.once('end', () => finish(received.length > 0 && !received.subarray(0, 12).toString().includes('101') ? 'answered' : 'closed'));
    socket.once('close', () => finish(received.length > 0 && !received.subarray(0, 12).toString().includes('101') ? 'answered' : 'closed'));
    socket.write(bytes);
    if (options.end ?? true) socket.end();
  });
}

const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/);
const methods = fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE'), token, fc.string({ maxLength: 10 }));
const paths = fc.oneof(
  fc.constantFrom('/', '/metrics', '/healthz', '/readyz', '/api/v1/stats', '/api/v1/users', '/api/v1/blocks', '/api/v1/blocks/1.2.3.4', '/api/v1/users/alice/rotate', '/api/v1/policies', '/api/v1/events', '/api/v1/kernels', '/api/v1/sessions', '/api/v1/audit', '/api/v1/../../etc/passwd', '/api/v1/blocks/%00', '*'),
  fc.webPath(),
  fc.string({ maxLength: 200 }).map((s) => `/${s}`),
);
const headerLines = fc.array(
  fc.oneof(
    fc.tuple(token, fc.string({ maxLength: 100 })).map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, '')}`),
    fc.constantFrom('Authorization: Bearer ', 'Authorization: Bearer mts_AAAA', 'Authorization: Basic Zm9vOmJhcg==', 'Transfer-Encoding: chunked', 'Content-Length: -1', 'Content-Length: 99999999999', 'Content-Type: application/json', 'Expect: 100-continue'),
    fc.string({ maxLength: 80 }),
  ),
  { maxLength: 12 },
);
const bodies = fc.oneof(
  fc.constant(''),
  fc.json(),
  fc.string({ maxLength: 2000 }),
  fc.constantFrom('{"ip": "203.0.113.7", "reason": "x", "ttl": "10m"}', '{"ip": 1}', '[]', 'null', '{"__proto__": {"x": 1}}', '{'),
);

function requestCases() {
  const arb = fc.record({ method: methods, path: paths, headers: headerLines, body: bodies, lie: fc.integer({ min: -50, max: 50 }), authed: fc.boolean(), end: fc.boolean() });
  return fc.sample(arb, { numRuns: 120, seed: SEED }).map((c) => () => {
    const body = Buffer.from(c.body);
    const lines = [`${c.method} ${c.path} HTTP/1.1`, 'Host: 127.0.0.1', ...c.headers];
    if (c.authed) lines.push(`Authorization: Bearer ${stack.tokens.reader.token}`);
    if (body.length > 0 || c.lie !== 0) lines.push(`Content-Length: ${Math.max(0, body.length + c.lie)}`);
    return rawExchange(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]), { end: c.end || c.lie > 0 });
  });
}

function hugeHeaderCases() {
  return [8 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024].flatMap((size) => [
    () => rawExchange(Buffer.from(`GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(size)}\r\n\r\n`)),
    () => rawExchange(Buffer.from(`GET /healthz HTTP/1.1\r\n${Array.from({ length: size / 64 }, (_, i) => `X-H${i}: ${'b'.repeat(50)}`).join('\r\n')}\r\n\r\n`)),
    () => rawExchange(Buffer.from(`GET /${'p'.repeat(size)} HTTP/1.1\r\nHost: x\r\n\r\n`)),
  ]);
}

function upgradeCases() {
  const upgrade = (extra: string[], path = '/api/v1/events') =>
    Buffer.from([`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', ...extra, '', ''].join('\r\n'));
  const goodKey = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==';
  const auth = () => `Authorization: Bearer ${stack.tokens.reader.token}`;
  const garbageFrames = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 4096 }), { numRuns: 12, seed: SEED + 7 });
  return [
    () => rawExchange(upgrade([goodKey])), // no credentials: 401
    () => rawExchange(upgrade([goodKey, 'Authorization: Bearer mts_wrong'])),
    () => rawExchange(upgrade(['Sec-WebSocket-Key: !!!', auth()])),
    () => rawExchange(upgrade([auth()])), // no key
    () => rawExchange(upgrade([goodKey, auth(), 'Sec-WebSocket-Version: 99'])),
    () => rawExchange(upgrade([goodKey, auth()], '/api/v1/stats')),
    () => rawExchange(upgrade([goodKey, auth()], `/api/v1/events?token=${'x'.repeat(5000)}`)),
    // A real upgrade, then garbage instead of masked frames (and one absurd 64-bit length).
    ...garbageFrames.map((frame) => () => rawExchange(upgrade([goodKey, auth()]), { end: false, then: frame })),
    () => rawExchange(upgrade([goodKey, auth()]), { end: false, then: Uint8Array.of(0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4) }),
    () => rawExchange(upgrade([goodKey, auth()]), { end: false, then: new Uint8Array(randomBytes(64 * 1024)) }),
  ];
}

describe('admin-plane fuzzing of the assembled process', () => {
  it('answers or closes every fuzz request in time and keeps serving', async () => {
    const tasks = [...requestCases(), ...hugeHeaderCases(), ...upgradeCases()];
    const results = await inBatches(tasks, 24);
    expect(guard.seen.map(String), 'uncaught exceptions / unhandled rejections').toEqual([]);
    const stuck = results.map((r, i) => ({ i, ...r })).filter((r) => r.result === 'open');
    expect(stuck, 'admin connections neither answered nor closed').toEqual([]);
    // Statuses seen are HTTP answers, never a 5xx from a crash in a handler.
    const statuses = results.map((r) => /^HTTP\/1\.1 (\d{3})/.exec(r.head)?.[1]).filter((s): s is string => s !== undefined);
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s.startsWith('5')), 'server errors').toEqual([]);

    // Still serving: health, an authenticated read, the proxy, and nothing changed by the fuzz (read_only).
    expect((await call(stack.adminUrl, 'GET', '/healthz')).status).toBe(200);
    const stats = await call(stack.adminUrl, 'GET', '/api/v1/stats', { token: stack.tokens.reader.token });
    expect(stats.status).toBe(200);
    const blocks = await call(stack.adminUrl, 'GET', '/api/v1/blocks', { token: stack.tokens.root.token });
    expect(blocks.status).toBe(200);
    expect(JSON.stringify(blocks.json)).not.toContain('203.0.113.7');
    const client = await mtcuteClient(stack.port, stack.users.dd.secret, { id: 2 });
    await client.send(new Uint8Array(32).fill(7));
    expect((await client.receive(5_000)).length).toBeGreaterThanOrEqual(32);
    await client.close();
    expect(guard.seen.map(String)).toEqual([]);
  }, 45_000);
});
