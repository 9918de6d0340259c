/**
 * Test harness for the admin plane: a real uWS admin server on 127.0.0.1 port 0, real security stores,
 * tokens at every level, and a plain node:http client (one connection per request, so nothing lingers).
 */
import { request as httpRequest } from 'node:http';
import { rmSync } from 'node:fs';
import { EventBus } from '../../src/events.js';
import { startAdmin, type AdminPlane, type ProxyPort } from '../../src/admin/index.js';
import type { AdminConfigInput } from '../../src/config/index.js';
import { createSecurityLayer, type SecurityLayer } from '../../src/security/index.js';
import { generateAdminToken } from '../../src/security/credentials/tokens.js';
import { ManualClock } from '../../src/security/clock.js';
import { loadKernels, type KernelRegistry } from '../../src/kernels/index.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { makeStateDir, startTestProxy, testConfig, type TestProxy } from '../helpers/proxy.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';

export interface TestTokens {
  read_only: string;
  admin: string;
  superuser: string;
  expired: string;
}

export interface Harness {
  admin: AdminPlane;
  bus: EventBus;
  security: SecurityLayer;
  /** With `withProxy`: the proxy's handle as the admin plane sees it, the running test proxy and its fake DC. */
  proxy?: ProxyPort;
  testProxy?: TestProxy;
  dc?: FakeDc;
  kernels?: KernelRegistry;
  /** The secret of user "alice" (with `withProxy`). */
  aliceSecret: string;
  tokens: TestTokens;
  clock: ManualClock;
  /** The config's state_dir (the kernels directory is `<stateDir>/kernels`). */
  stateDir: string;
  call(method: string, path: string, options?: CallOptions): Promise<CallResult>;
  close(): Promise<void>;
}

export interface CallOptions {
  token?: string;
  /** Sent as JSON unless it is a string or Buffer (sent raw). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the body with chunked transfer encoding (no content-length). */
  chunked?: boolean;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export function call(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const url = new URL(path, baseUrl);
  const headers: Record<string, string> = { connection: 'close', ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let payload: Buffer | undefined;
  if (options.body !== undefined) {
    payload = Buffer.isBuffer(options.body) ? options.body : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
    headers['content-type'] = 'application/json';
    if (!options.chunked) headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export interface HarnessOptions {
  admin?: Partial<AdminConfigInput>;
  /** Extra TOML-shaped tables (policy, audit, security, …). */
  config?: Record<string, unknown>;
  /** Start a real proxy (127.0.0.1:0, user "alice", a fake DC upstream) and the kernel registry too. */
  withProxy?: boolean;
  clock?: ManualClock;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = options.clock ?? new ManualClock(Date.now());
  const made = {
    read_only: generateAdminToken(),
    admin: generateAdminToken(),
    superuser: generateAdminToken(),
    expired: generateAdminToken(),
  };
  const soon = new Date(clock.now() + 60 * 60_000).toISOString();
  const past = new Date(clock.now() - 60_000).toISOString();
  const adminTable = {
    listen: '127.0.0.1:0',
    ...options.admin,
    tokens: [
      { name: 'reader', level: 'read_only', sha256: made.read_only.sha256 },
      { name: 'operator', level: 'admin', sha256: made.admin.sha256, expires: soon },
      { name: 'root', level: 'superuser', sha256: made.superuser.sha256 },
      { name: 'stale', level: 'superuser', sha256: made.expired.sha256, expires: past },
    ],
  };
  const aliceSecret = formatSecret(generateSecret('ee', 'example.com'));
  const stateDir = makeStateDir();
  const dc = options.withProxy ? await startFakeDc() : undefined;
  const to = dc ? [`127.0.0.1:${dc.port}`] : [];
  const input: Record<string, any> = {
    ...options.config,
    admin: adminTable,
    ...(dc ? { users: { alice: { secret: aliceSecret } }, upstream: { dc: { '1': to, '2': to, '3': to, '4': to, '5': to } } } : {}),
  };
  const config = testConfig(input, stateDir);
  const bus = new EventBus();
  const security = await createSecurityLayer({ config, bus, clock, timers: false });
  let kernels: KernelRegistry | undefined;
  let testProxy: TestProxy | undefined;
  if (options.withProxy) {
    kernels = await loadKernels({ calibrate: false });
    testProxy = await startTestProxy(input, { bus, gate: security.gate, shaper: security.shaper, registry: kernels, stateDir });
    security.attach({ users: testProxy.service.server.users, kernels });
  }
  const proxy = testProxy?.service.server;
  let admin: AdminPlane;
  try {
    admin = await startAdmin({ config, bus, security, proxy, kernels, processMetrics: false });
  } catch (err) {
    await testProxy?.stop();
    await dc?.close();
    await security.close();
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
  return {
    admin,
    bus,
    security,
    proxy,
    testProxy,
    dc,
    kernels,
    aliceSecret,
    clock,
    stateDir,
    tokens: { read_only: made.read_only.token, admin: made.admin.token, superuser: made.superuser.token, expired: made.expired.token },
    call: (method, path, callOptions) => call(admin.url, method, path, callOptions),
    async close() {
      admin.close();
      await testProxy?.stop();
      await dc?.close();
      await security.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
