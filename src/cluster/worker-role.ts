/**
 * A node:cluster worker of `mtshield run` with `[server] workers` > 1 (docs/fleet.md): the proxy and its
 * security layer on the group's shared store (IpcStateStore to the primary, or Redis directly when configured),
 * no admin listener. It answers the primary's /metrics scrapes from its own registry, sends its security
 * events to the primary (one audit writer) and its data-plane events to the primary's event stream (batched),
 * re-reads blocks, the run-time overlay (users, access rules) and the policy when the primary says they
 * changed, applies the config the primary validated (SIGHUP) and drains when told (SIGTERM).
 */
import type { Logger } from 'pino';
import { createMetrics } from '../admin/metrics.js';
import { startApp } from '../app.js';
import type { MtShieldConfig } from '../config/types.js';
import { IpcStateStore } from '../state/ipc.js';
import { ipcChannelOf, isTagged } from '../state/ipc-channel.js';
import { GROUP_TAG, PRIMARY_ACTOR, type GroupMessage } from './group-messages.js';
import { EventForwarder } from './event-forwarder.js';
import { serveWorkerMetrics } from './metrics.js';
import { WorkerLink } from './worker-link.js';

const ignore = (): void => {};

export async function runWorker(config: MtShieldConfig, logger: Logger): Promise<void> {
  const channel = ipcChannelOf();
  const store = config.state.backend === 'redis' ? undefined : new IpcStateStore(channel);
  const app = await startApp(config, logger, { role: 'worker', store });
  const metrics = createMetrics({
    bus: app.bus,
    version: 'worker',
    proxyStats: () => app.service.server.stats(),
    securityCounters: () => app.security.counters(),
    processMetrics: true,
  });
  const stopMetrics = serveWorkerMetrics(metrics.registry, channel);
  const forwarder = new EventForwarder(app.bus, channel, { worker: process.env.MTSHIELD_WORKER_SLOT });
  app.bus.on('security.event', (event) => {
    if (event.details?.actor !== PRIMARY_ACTOR) channel.send({ mtshield: GROUP_TAG, type: 'security-event', event } satisfies GroupMessage, ignore);
  });
  channel.on('message', (message: unknown) => {
    if (!isTagged<GroupMessage>(message, GROUP_TAG)) return;
    if (message.type === 'blocks-changed') void app.security.blocks.load().catch(ignore);
    else if (message.type === 'overlay-changed') app.refreshOverlay().catch((err: Error) => logger.error({ err: err.message }, 'run-time changes not applied'));
    else if (message.type === 'policy') applyPolicy(app.security.policies, message.document, logger);
  });
  const link = new WorkerLink(
    {
      onConfig: (next) => app.reload(next as MtShieldConfig),
      onDrain: async (deadlineMs) => {
        await app.stop(deadlineMs);
        forwarder.close();
        stopMetrics();
        metrics.close();
        // Leave once the 'drained' answer is on its way.
        setTimeout(() => process.exit(0), 100);
      },
    },
    channel,
  );
  // A stop signal to the group goes to the primary; a worker that gets one directly drains the same way.
  process.on('SIGTERM', () => void app.stop(config.server.drainTimeoutMs).then(() => process.exit(0)));
  process.on('SIGINT', ignore);
  process.on('SIGHUP', ignore);
  link.ready();
  logger.info({ pid: process.pid, slot: process.env.MTSHIELD_WORKER_SLOT }, 'worker ready');
}

/** The primary's active policy, stored here too (it was validated there; a throw is logged, never fatal). */
function applyPolicy(policies: { set(document: unknown, options: { actor: string }): unknown }, document: unknown, logger: Logger): void {
  try {
    policies.set(document, { actor: PRIMARY_ACTOR });
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'policy from the primary not applied');
  }
}
