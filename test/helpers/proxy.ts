/**
 * Starts the proxy in-process for a test: config object (TOML-shaped) → buildConfig with a temporary state
 * dir and 127.0.0.1:0 listeners unless given, node:crypto or registry streams, and an event recorder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/config/load.js';
import type { MtShieldConfig } from '../../src/config/types.js';
import { EventBus, type MtShieldEvents } from '../../src/events.js';
import { createLogger } from '../../src/log/logger.js';
import { startService, type Service, type ServiceOptions } from '../../src/service.js';

export type RecordedEvent = { [K in keyof MtShieldEvents]: { name: K; data: MtShieldEvents[K][0] } }[keyof MtShieldEvents];

export interface TestProxy {
  service: Service;
  port: number;
  config: MtShieldConfig;
  stateDir: string;
  events: RecordedEvent[];
  /** Resolves with the first recorded (or future) event of that name matching `pred`. */
  waitFor<K extends keyof MtShieldEvents>(name: K, pred?: (e: MtShieldEvents[K][0]) => boolean, timeoutMs?: number): Promise<MtShieldEvents[K][0]>;
  stop(): Promise<void>;
}

export function makeStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'mtshield-test-'));
}

export function testConfig(input: Record<string, any>, stateDir: string): MtShieldConfig {
  const server = { listen: ['127.0.0.1:0'], state_dir: stateDir, ...(input.server ?? {}) };
  return buildConfig({ ...input, server }, 'test');
}

export async function startTestProxy(input: Record<string, any>, options: ServiceOptions & { stateDir?: string } = {}): Promise<TestProxy> {
  const stateDir = options.stateDir ?? makeStateDir();
  const config = testConfig(input, stateDir);
  const bus = options.bus ?? new EventBus();
  const events: RecordedEvent[] = [];
  const waiters = new Set<(e: RecordedEvent) => void>();
  const names: (keyof MtShieldEvents)[] = [
    'connection.accepted', 'connection.refused', 'handshake.ok', 'handshake.failed', 'replay.detected',
    'connection.fronted', 'user.refused', 'dc.connected', 'dc.failed', 'bytes', 'connection.closed',
    'config.reloaded', 'server.draining',
  ];
  for (const name of names) {
    bus.on(name, ((data: any) => {
      const e = { name, data } as RecordedEvent;
      events.push(e);
      for (const w of waiters) w(e);
    }) as any);
  }
  const service = await startService(config, {
    nodeCrypto: options.registry === undefined,
    logger: createLogger(process.env.MTSHIELD_TEST_LOG ?? 'silent'),
    ...options,
    bus,
  });
  const port = service.server.addresses()[0]!.port;
  return {
    service,
    port,
    config,
    stateDir,
    events,
    waitFor(name, pred = () => true, timeoutMs = 10_000) {
      const hit = events.find((e) => e.name === name && pred(e.data as any));
      if (hit) return Promise.resolve(hit.data as any);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${name} event within ${timeoutMs} ms; saw ${events.map((e) => e.name).join(', ')}`));
        }, timeoutMs);
        const check = (e: RecordedEvent) => {
          if (e.name === name && pred(e.data as any)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(e.data as any);
          }
        };
        waiters.add(check);
      });
    },
    async stop() {
      await service.stop(1000);
      if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
