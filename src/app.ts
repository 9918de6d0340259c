/**
 * The whole process as `mtshield run` assembles it: kernel registry → security layer → proxy service → admin
 * plane. The proxy gets the layer's data port (gate, shaper, shared replay cache: src/security/ports.ts), the
 * admin plane its admin port (the services themselves). The data plane never imports the security or admin
 * code; this file is the one place that wires them together.
 *
 * Run-time changes (src/state/overlay.ts): the proxy's users are the config's with the overlay laid over them,
 * at start and after every reload, and each change the user directory reports is written to the overlay.
 */
import type { Logger } from 'pino';
import { adminEnabled, startAdmin, type AdminPlane } from './admin/index.js';
import type { MtShieldConfig } from './config/types.js';
import { EventBus } from './events.js';
import { loadKernels, type KernelRegistry } from './kernels/index.js';
import { createSecurityLayer, type SecurityDataPort, type SecurityLayer } from './security/index.js';
import { startService, type Service } from './service.js';
import type { RuntimeOverlay } from './state/overlay.js';
import type { UserDirectory } from './proxy/users.js';

export interface App {
  service: Service;
  security: SecurityLayer;
  admin?: AdminPlane;
  registry: KernelRegistry;
  reload(config: MtShieldConfig): Promise<void>;
  stop(deadlineMs?: number): Promise<void>;
}

export async function startApp(config: MtShieldConfig, logger: Logger): Promise<App> {
  const bus = new EventBus();
  const registry = await loadKernels({ logger: logger.child({ part: 'kernels' }) });
  const security = await createSecurityLayer({ config, bus, logger: logger.child({ part: 'security' }), kernels: registry });
  const data: SecurityDataPort = security;
  let service: Service;
  try {
    service = await startService(withOverlayUsers(config, security.overlay), { bus, logger, registry, gate: data.gate, shaper: data.shaper, replay: data.replayCache });
  } catch (err) {
    await security.close();
    throw err;
  }
  const overlay = security.overlay;
  if (overlay) {
    restoreRetiredKeys(service.server.users, overlay);
    service.server.users.onChange((change) => overlay.recordUser(change));
  }
  security.attach({ users: service.server.users });
  let admin: AdminPlane | undefined;
  if (adminEnabled(config.admin)) {
    try {
      admin = await startAdmin({ config, bus, security, proxy: service.server, kernels: registry, logger: logger.child({ part: 'admin' }) });
    } catch (err) {
      await service.stop(0);
      await security.close();
      throw err;
    }
  }
  return {
    service,
    security,
    admin,
    registry,
    async reload(next) {
      service.server.reload(withOverlayUsers(next, overlay)); // throws (old config kept) when the new one cannot be applied
      if (overlay) restoreRetiredKeys(service.server.users, overlay);
      await security.reload(next);
    },
    async stop(deadlineMs) {
      await service.stop(deadlineMs);
      admin?.close();
      await security.close();
    },
  };
}

/** The config with the overlay's users laid over its own (precedence: src/state/overlay-users.ts). */
function withOverlayUsers(config: MtShieldConfig, overlay: RuntimeOverlay | undefined): MtShieldConfig {
  return overlay ? { ...config, users: overlay.mergeUsers(config.users).users } : config;
}

/** Rotated-out keys come back as grace keys only while their grace period lasts (the overlay drops them after). */
function restoreRetiredKeys(users: UserDirectory, overlay: RuntimeOverlay): void {
  for (const { name, secret, until } of overlay.mergeUsers(users.list()).retired) users.restoreRetired(name, secret, until);
}
