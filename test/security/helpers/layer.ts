/** Builds a security layer for a test from a TOML-shaped object, with a manual clock and no timers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../../src/config/load.js';
import type { MtShieldConfig } from '../../../src/config/types.js';
import { EventBus, type SecurityEvent } from '../../../src/events.js';
import { createSecurityLayer, ManualClock, type SecurityLayer } from '../../../src/security/index.js';

export interface TestLayer {
  layer: SecurityLayer;
  bus: EventBus;
  clock: ManualClock;
  config: MtShieldConfig;
  dir: string;
  events: SecurityEvent[];
  close(): Promise<void>;
}

export async function startLayer(input: Record<string, any> = {}, options: { clock?: ManualClock } = {}): Promise<TestLayer> {
  const dir = mkdtempSync(join(tmpdir(), 'mtshield-sec-'));
  const config = buildConfig({ ...input, server: { listen: ['127.0.0.1:0'], state_dir: dir, ...(input.server ?? {}) } }, 'test');
  const clock = options.clock ?? new ManualClock();
  const bus = new EventBus();
  const events: SecurityEvent[] = [];
  bus.on('security.event', (e) => events.push(e));
  const layer = await createSecurityLayer({ config, bus, clock, timers: false });
  return {
    layer,
    bus,
    clock,
    config,
    dir,
    events,
    async close() {
      await layer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let nextId = 1;
export function conn(ip: string, id = nextId++) {
  return { id, remoteAddress: ip, remotePort: 40000, localAddress: '127.0.0.1', localPort: 443 };
}

