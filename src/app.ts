/**
 * The whole process as `mtshield run` assembles it: kernel registry → security layer → proxy service → admin
 * plane. The proxy gets the layer's data port (gate, shaper, shared replay cache: src/security/ports.ts), the
 * admin plane its admin port (the services themselves). The data plane never imports the security or admin
 * code; this file is the one place that wires them together.
 */
import type { Logger } from 'pino';
import { adminEnabled, startAdmin, type AdminPlane } from './admin/index.js';
import type { MtShieldConfig } from './config/types.js';
import { EventBus } from './events.js';
import { loadKernels, type KernelRegistry } from './kernels/index.js';
import { createSecurityLayer, type SecurityDataPort, type SecurityLayer } from './security/index.js';
import { startService, type Service } from './service.js';
import { createRelayEntry, startRelayExit, type RelayEntry, type RelayExit } from './upstream/relay/index.js';

export interface App {
  service: Service;
  security: SecurityLayer;
  admin?: AdminPlane;
  registry: KernelRegistry;
  /** [upstream] mode = "relay": the tunnel to the exit. */
  relayEntry?: RelayEntry;
  /** [relay] listen set: this process is a relay exit. */
  relayExit?: RelayExit;
  reload(config: MtShieldConfig): Promise<void>;
  stop(deadlineMs?: number): Promise<void>;
}

export async function startApp(config: MtShieldConfig, logger: Logger): Promise<App> {
  const bus = new EventBus();
  const registry = await loadKernels({ logger: logger.child({ part: 'kernels' }) });
  const security = await createSecurityLayer({ config, bus, logger: logger.child({ part: 'security' }), kernels: registry });
  const data: SecurityDataPort = security;
  let service: Service;
  let relayEntry: RelayEntry | undefined;
  let relayExit: RelayExit | undefined;
  try {
    if (config.upstream.mode === 'relay') relayEntry = createRelayEntry(config.upstream.relay!, registry, logger.child({ part: 'relay' }));
    service = await startService(config, { bus, logger, registry, gate: data.gate, shaper: data.shaper, replay: data.replayCache, upstream: relayEntry?.upstream });
  } catch (err) {
    relayEntry?.close();
    await security.close();
    throw err;
  }
  try {
    relayExit = await startRelayExit(config.relay, { kernels: registry, upstream: service.server.upstream, bus, logger: logger.child({ part: 'relay-exit' }) });
  } catch (err) {
    await service.stop(0);
    relayEntry?.close();
    await security.close();
    throw err;
  }
  security.attach({ users: service.server.users });
  let admin: AdminPlane | undefined;
  if (adminEnabled(config.admin)) {
    try {
      admin = await startAdmin({ config, bus, security, proxy: service.server, kernels: registry, logger: logger.child({ part: 'admin' }) });
    } catch (err) {
      await relayExit?.close();
      await service.stop(0);
      relayEntry?.close();
      await security.close();
      throw err;
    }
  }
  return {
    service,
    security,
    admin,
    registry,
    relayEntry,
    relayExit,
    async reload(next) {
      service.server.reload(next); // throws (old config kept) when the new one cannot be applied
      await security.reload(next);
    },
    async stop(deadlineMs) {
      await relayExit?.close();
      await service.stop(deadlineMs);
      relayEntry?.close();
      admin?.close();
      await security.close();
    },
  };
}
