/**
 * The whole process for hardening tests: src/app.ts startApp (kernels + security layer + proxy + admin plane)
 * on 127.0.0.1 port 0, a fake DC behind every DC id, a fronting site, users with plain, dd and ee secrets and
 * admin tokens at two levels. Also: a guard that records uncaught exceptions and unhandled rejections while a
 * test runs, and an outcome probe for a client socket (closed by the proxy, or fronted to the site).
 */
import { rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { DestinationStream } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { startApp, type App } from '../../src/app.js';
import { createLogger } from '../../src/log/logger.js';
import { formatSecret, generateSecret, type ParsedSecret } from '../../src/protocol/secrets.js';
import { generateAdminToken } from '../../src/security/credentials/tokens.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { startFrontingSite, type FrontingSite } from '../helpers/fronting-site.js';
import { makeStateDir, testConfig } from '../helpers/proxy.js';

export const FAKE_TLS_DOMAIN = 'example.com';

export interface StackUser {
  name: string;
  parsed: ParsedSecret;
  /** As configured (hex). */
  secret: string;
}

export interface Stack {
  app: App;
  port: number;
  adminUrl: string;
  adminPort: number;
  dc: FakeDc;
  site: FrontingSite;
  stateDir: string;
  users: { plain: StackUser; dd: StackUser; ee: StackUser };
  tokens: { reader: { token: string; sha256: string }; root: { token: string; sha256: string } };
  /** The TOML-shaped input the config was built from (for reloads). */
  input: Record<string, any>;
  /** remotePorts (the client's local port) of connections the proxy spliced to the fronting site. */
  frontedPorts: Set<number>;
  closedPorts: Set<number>;
  /** Every data-plane event seen per client port, for failure messages. */
  eventsByPort: Map<number, string[]>;
  stop(): Promise<void>;
}

export interface StackOptions {
  log?: { level: string; destination: DestinationStream };
  extra?: Record<string, any>;
}

function user(name: string, mode: 'plain' | 'dd' | 'ee'): StackUser {
  const parsed = generateSecret(mode, mode === 'ee' ? FAKE_TLS_DOMAIN : undefined);
  return { name, parsed, secret: formatSecret(parsed) };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dc = await startFakeDc();
  const site = await startFrontingSite();
  const stateDir = makeStateDir();
  const users = { plain: user('pat', 'plain'), dd: user('dee', 'dd'), ee: user('eve', 'ee') };
  const tokens = { reader: generateAdminToken(), root: generateAdminToken() };
  const to = [`127.0.0.1:${dc.port}`];
  const input: Record<string, any> = {
    ...options.extra,
    server: { handshake_timeout: '1s', idle_timeout: '3s', connect_timeout: '1s', ...options.extra?.server },
    users: Object.fromEntries(Object.values(users).map((u) => [u.name, { secret: u.secret }])),
    upstream: { dc: { '1': to, '2': to, '3': to, '4': to, '5': to, '203': to } },
    fronting: { host: '127.0.0.1', port: site.port, connect_timeout: '1s' },
    admin: {
      listen: '127.0.0.1:0',
      tokens: [
        { name: 'reader', level: 'read_only', sha256: tokens.reader.sha256 },
        { name: 'root', level: 'superuser', sha256: tokens.root.sha256 },
      ],
    },
  };
  const config = testConfig(input, stateDir);
  const logger = options.log ? createLogger(options.log.level, options.log.destination) : createLogger('silent');
  const app = await startApp(config, logger);
  const frontedPorts = new Set<number>();
  const closedPorts = new Set<number>();
  app.service.bus.on('connection.fronted', (e) => frontedPorts.add(e.remotePort));
  app.service.bus.on('connection.closed', (e) => closedPorts.add(e.remotePort));
  const eventsByPort = new Map<number, string[]>();
  const names = ['connection.accepted', 'connection.refused', 'handshake.ok', 'handshake.failed', 'connection.fronted', 'user.refused', 'dc.connected', 'dc.failed', 'connection.closed'] as const;
  for (const name of names) {
    app.service.bus.on(name, ((e: { remotePort: number; reason?: string; by?: string }) => {
      const list = eventsByPort.get(e.remotePort) ?? [];
      list.push(`${name}${e.reason ? `(${e.reason})` : ''}${e.by ? `[${e.by}]` : ''}`);
      eventsByPort.set(e.remotePort, list);
    }) as never);
  }
  const adminUrl = app.admin!.url;
  return {
    app,
    port: app.service.server.addresses()[0]!.port,
    adminUrl,
    adminPort: Number(new URL(adminUrl).port),
    dc,
    site,
    stateDir,
    users,
    tokens,
    input,
    frontedPorts,
    closedPorts,
    eventsByPort,
    async stop() {
      await app.stop(500);
      await dc.close();
      await site.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Records uncaught exceptions and unhandled rejections from install() until uninstall(). */
export function crashGuard() {
  const seen: unknown[] = [];
  const onError = (err: unknown) => seen.push(err);
  return {
    seen,
    install() {
      process.on('uncaughtException', onError);
      process.on('unhandledRejection', onError);
    },
    uninstall() {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    },
  };
}

/** fast-check seed of the fuzz suites; set MTSHIELD_FUZZ_SEED to replay another run. */
export const FUZZ_SEED = Number(process.env.MTSHIELD_FUZZ_SEED ?? 20261128);

/**
 * One stack for a test file: the crash guard is installed and the stack started before its tests, both
 * undone after them. `onReady` receives the stack; the guard is returned for the final assertion.
 */
export function useStack(onReady: (stack: Stack) => void, options: StackOptions = {}): ReturnType<typeof crashGuard> {
  const guard = crashGuard();
  let stack: Stack | undefined;
  beforeAll(async () => {
    guard.install();
    stack = await startStack(options);
    onReady(stack);
  });
  afterAll(async () => {
    await stack?.stop();
    guard.uninstall();
  });
  return guard;
}

export type Outcome = 'closed' | 'fronted' | 'open';

/**
 * Waits until the proxy has ended the client's connection (the socket closed or got FIN) or spliced it to the
 * fronting site (a `connection.fronted` event for its port), or until `deadlineMs`. Destroys the socket after.
 */
export function outcomeOf(stack: Stack, socket: Socket, deadlineMs: number): Promise<Outcome> {
  const port = socket.localPort!;
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish('open'), deadlineMs);
    const poll = setInterval(() => {
      if (stack.frontedPorts.has(port)) finish('fronted');
    }, 20);
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.once('end', () => finish('closed'));
    socket.once('close', () => finish('closed'));
    if (socket.destroyed) finish('closed');
  });
}

/** Runs `tasks` with at most `width` at a time. */
export async function inBatches<T>(tasks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}
