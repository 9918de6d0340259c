/**
 * Middle mode's pool and files through the real proxy: a link killed mid-stream (its clients closed, the link
 * replaced), ping/pong, a middle proxy that stops answering, DC ids mapped through the table, a refresh that
 * changes the table, a broken or empty file that keeps it, and downloads from a local HTTP server.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForPeerClose } from '../../helpers/net.js';
import { makeStateDir, startTestProxy } from '../../helpers/proxy.js';
import { obfuscatedClient } from '../../helpers/raw-client.js';
import { formatSecret } from '../../../src/protocol/secrets.js';
import { FakeMiddleProxy, answerFor } from './fake-middle-proxy.js';
import { plain, startMiddleSetup, tableText } from './helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const until = async (what: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; !what() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
  return what();
};

async function roundTrip(port: number, dc = 2, size = 64) {
  const c = await obfuscatedClient(port, plain.key, { kind: 'intermediate', dc });
  const sent = Buffer.alloc(size, 0x3c);
  c.send(sent);
  expect(hex(await c.receive())).toBe(hex(answerFor(sent)));
  return c;
}

describe('middle-mode pool', () => {
  it('a link killed mid-stream closes its clients and is replaced', async () => {
    const { fake, proxy } = await startMiddleSetup(cleanups, {}, { middle: { pool: { minBackoffMs: 50 } } });
    const a = await roundTrip(proxy.port);
    a.send(Buffer.alloc(100_000, 1)); // mid-stream
    // The proxy drops the client while some of those bytes may still be unread or in flight: TCP may then end the
    // client's connection with a reset rather than a FIN, which is a close too.
    a.socket.on('error', () => {});
    fake.killLinks();
    expect(await waitForPeerClose(a.socket, 5000)).toBe(true);
    expect(await until(() => proxy.service.middle!.pool.stats().links >= 1)).toBe(true);
    const b = await roundTrip(proxy.port);
    b.socket.destroy();
    expect(fake.links.length).toBeGreaterThanOrEqual(2);
  });

  it('answers the middle proxy pings and keeps idle links alive with its own', async () => {
    const { fake, proxy } = await startMiddleSetup(cleanups, {}, { middle: { pool: { pingIntervalMs: 100 } } });
    const a = await roundTrip(proxy.port);
    fake.ping(77n);
    expect(await until(() => fake.pongs.includes(77n))).toBe(true); // RPC_PING answered with RPC_PONG
    expect(fake.violations).toEqual([]);
    await new Promise((r) => setTimeout(r, 450));
    // the fake answered our keep-alive pings, so the link survived several rounds
    expect(proxy.service.middle!.pool.stats().links).toBeGreaterThanOrEqual(1);
    expect(fake.links).toHaveLength(1);
    const b = await roundTrip(proxy.port);
    for (const c of [a, b]) c.socket.destroy();
  });

  it('a middle proxy that stops answering is detected (no pong) and its clients are closed', async () => {
    const { fake, proxy } = await startMiddleSetup(cleanups, {}, { middle: { pool: { pingIntervalMs: 150, minBackoffMs: 5000 } } });
    const a = await roundTrip(proxy.port);
    fake.silent = true;
    expect(await waitForPeerClose(a.socket, 5000)).toBe(true);
    expect(proxy.service.middle!.pool.stats().links).toBe(0);
  });

  it('DC ids map through the table: media (-2) and CDN (203) rows, unknown ids take the default', async () => {
    const { fake, proxy, files, secret } = await startMiddleSetup(cleanups);
    const media = await FakeMiddleProxy.start({ proxySecret: secret });
    cleanups.push(() => media.close());
    writeFileSync(files.config, `default 2;\nproxy_for 2 127.0.0.1:${fake.port};\nproxy_for -2 127.0.0.1:${media.port};\nproxy_for 203 127.0.0.1:${media.port};\n`);
    expect(await proxy.service.middle!.refresh()).toBe(true);
    for (const dc of [-2, 203]) (await roundTrip(proxy.port, dc)).socket.destroy();
    expect(media.requests).toHaveLength(2);
    (await roundTrip(proxy.port, 5)).socket.destroy();
    expect(fake.requests).toHaveLength(1);
  });

  it('a refresh that changes the table moves new clients; a broken or empty file keeps the table in use', async () => {
    const { fake, proxy, files, secret } = await startMiddleSetup(cleanups);
    (await roundTrip(proxy.port)).socket.destroy();
    const next = await FakeMiddleProxy.start({ proxySecret: secret });
    cleanups.push(() => next.close());
    writeFileSync(files.config, tableText([next.port]));
    expect(await proxy.service.middle!.refresh()).toBe(true);
    (await roundTrip(proxy.port)).socket.destroy();
    expect(next.requests).toHaveLength(1);
    for (const broken of ['proxy_for 2 not an address;', '']) {
      writeFileSync(files.config, broken);
      expect(await proxy.service.middle!.refresh()).toBe(false);
      (await roundTrip(proxy.port)).socket.destroy();
    }
    writeFileSync(files.secret, '');
    expect(await proxy.service.middle!.refresh()).toBe(false);
    (await roundTrip(proxy.port)).socket.destroy();
    expect(next.requests).toHaveLength(4);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('middle-mode files', () => {
  async function fileServer(routes: Record<string, () => { status: number; body: Buffer | string }>) {
    const server: Server = createServer((req, res) => {
      const route = routes[req.url ?? ''];
      const answer = route ? route() : { status: 404, body: '' };
      res.writeHead(answer.status).end(answer.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  it('a missing file with download = false refuses the start, naming the file and how to get it', async () => {
    const dir = makeStateDir();
    const missing = join(dir, 'proxy-secret');
    const start = startTestProxy({
      users: { p: { secret: formatSecret(plain) } },
      upstream: { mode: 'middle', middle: { proxy_secret: missing, proxy_config: join(dir, 'proxy-multi.conf') } },
    }, { stateDir: dir });
    await expect(start).rejects.toMatchObject({ code: 'ERR_CONFIG_MIDDLE_FILE' });
    await expect(start).rejects.toThrow(missing);
    await expect(start).rejects.toThrow(/getProxySecret.*download = true/);
  });

  it('download = true fetches the files at start and at each refresh, atomically; a failed fetch keeps them', async () => {
    const fake0 = await startMiddleSetup(cleanups); // a middle proxy and its secret to serve
    const fake = fake0.fake;
    let config = tableText([fake.port]);
    let status = 200;
    const base = await fileServer({
      '/getProxySecret': () => ({ status, body: fake0.secret }),
      '/getProxyConfig': () => ({ status, body: config }),
    });
    const dir = makeStateDir();
    const files = { secret: join(dir, 'proxy-secret'), config: join(dir, 'proxy-multi.conf') };
    const proxy = await startTestProxy({
      users: { p: { secret: formatSecret(plain) } },
      upstream: { mode: 'middle', middle: { proxy_secret: files.secret, proxy_config: files.config, download: true } },
    }, { stateDir: dir, middle: { baseUrl: base } });
    cleanups.push(() => proxy.stop());
    expect(readFileSync(files.secret).equals(fake0.secret)).toBe(true);
    (await roundTrip(proxy.port)).socket.destroy();
    config = 'garbage';
    expect(await proxy.service.middle!.refresh()).toBe(true); // the bad download is not written; the files stay
    expect(readFileSync(files.config, 'utf8')).toBe(tableText([fake.port]));
    status = 500;
    expect(await proxy.service.middle!.refresh()).toBe(true);
    expect(readFileSync(files.config, 'utf8')).toBe(tableText([fake.port]));
    expect(existsSync(`${files.config}.download-${process.pid}`)).toBe(false);
    (await roundTrip(proxy.port)).socket.destroy();
  });
});
