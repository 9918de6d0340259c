/**
 * The primary of `mtshield run` with `[server] workers` > 1 (docs/fleet.md): opens the group's real state store
 * (memory, or Redis) and serves it to the workers over IPC (StateIpcServer; with Redis each worker opens Redis
 * itself), runs the security layer on that store for the admin API and as the one audit writer, starts the one
 * admin listener with /metrics summed over the workers (ClusterMetrics), supervises the workers (restart with
 * backoff, give up on a slot that cannot start) and handles SIGHUP (validate once, apply everywhere) and
 * SIGTERM / SIGINT (drain every worker, then stop).
 */
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { startApp } from '../app.js';
import { loadConfigFile } from '../config/load.js';
import type { MtShieldConfig } from '../config/types.js';
import { openStateStore } from '../state/index.js';
import { StateIpcServer } from '../state/ipc-server.js';
import { LeaseTable } from '../state/user-leases.js';
import { UsageFileKeeper } from '../state/usage-file.js';
import { isTagged } from '../state/ipc-channel.js';
import { clusterFork } from './fork.js';
import { changesBlocks, GROUP_TAG, type GroupMessage } from './group-messages.js';
import { ClusterMetrics } from './metrics.js';
import { Supervisor, type SupervisorEvent } from './supervisor.js';

const ignore = (): void => {};

export async function runPrimary(config: MtShieldConfig, logger: Logger, configFile: string | undefined): Promise<Supervisor> {
  // Configs broadcast on SIGHUP hold Maps and typed values: the structured-clone channel carries them as they are.
  cluster.setupPrimary({ serialization: 'advanced' });
  const { state } = config;
  const store = await openStateStore({ backend: state.backend, redisUrl: state.redisUrl, prefix: state.prefix });
  // Without Redis the primary holds the group's state: the store, the user leases (one owner per worker) and,
  // in <state_dir>/usage.json, the byte counts across restarts.
  const stateServer = new StateIpcServer(store, new LeaseTable());
  const usageFile = state.backend === 'redis' ? undefined : await UsageFileKeeper.start(store, config.server.stateDir, { onError: (err) => logger.error({ err: (err as Error).message }, 'cannot save usage') });
  const tellWorkers = (message: GroupMessage): void => {
    for (const id in cluster.workers) cluster.workers[id]?.send(message, ignore);
  };
  // Users and access rules changed through the API (or by another machine on Redis) reach every worker at once.
  const app = await startApp(config, logger, { role: 'primary', store, onOverlayChanged: () => tellWorkers({ mtshield: GROUP_TAG, type: 'overlay-changed' }) });
  app.security.policies.onChange((active) => {
    if (active.actor !== 'config') tellWorkers({ mtshield: GROUP_TAG, type: 'policy', document: active.document }); // SIGHUP reaches workers itself
  });
  const metrics = new ClusterMetrics();
  if (app.admin) app.admin.metrics.render = async () => (await metrics.scrape()).text;

  const supervisor = new Supervisor({
    workers: config.server.workers,
    fork: clusterFork(),
    onEvent: (event) => report(logger, event),
    onWorker: (worker) => {
      if (state.backend !== 'redis') stateServer.attach(worker);
      metrics.attach(worker);
      worker.on('message', (message: unknown) => {
        if (!isTagged<GroupMessage>(message, GROUP_TAG)) return;
        if (message.type === 'security-event') app.bus.emit('security.event', message.event);
        else if (message.type === 'data-events' && Array.isArray(message.events)) for (const event of message.events) app.admin?.events.publish(event);
      });
    },
  });
  // A block set here (admin API) or reported by a worker reaches every worker at once.
  app.bus.on('security.event', (event) => {
    if (changesBlocks(event)) tellWorkers({ mtshield: GROUP_TAG, type: 'blocks-changed' });
  });
  await supervisor.start();
  if (supervisor.failedSlots.length > 0) logger.error({ slots: supervisor.failedSlots }, 'some workers cannot start');

  const close = async (): Promise<void> => {
    await app.stop(0);
    await usageFile?.stop();
    stateServer.close();
    await store.close();
  };
  supervisor.handleSignals({
    reload: async () => {
      if (!configFile) throw new Error('running on embedded defaults, nothing to reload');
      const next = loadConfigFile(configFile); // validated once, here; every worker gets the same result
      await app.reload(next);
      logger.info({ users: next.users.length }, 'config reloaded; sent to every worker');
      return next;
    },
    onReloadError: (err) => logger.error({ err: (err as Error).message }, 'reload failed; keeping the old config'),
    drainDeadlineMs: config.server.drainTimeoutMs,
    onDrained: (result) => {
      logger.info(result, 'workers drained');
      void close().finally(() => process.exit(0));
    },
  });
  return supervisor;
}

function report(logger: Logger, event: SupervisorEvent): void {
  if (event.type === 'gave-up') logger.error(event, 'worker cannot start: slot left empty');
  else if (event.type === 'exited' && event.wasReady) logger.warn(event, 'worker exited');
  else if (event.type === 'config-applied' && event.error) logger.error(event, 'worker kept its old config');
  else logger.info(event, `worker ${event.type}`);
}
