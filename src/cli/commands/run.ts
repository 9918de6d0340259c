/**
 * `mtshield run [--config FILE]`: the proxy with its kernels, security layer and admin plane.
 * Without a config it runs on embedded defaults (0.0.0.0:8443, one user with a fake-TLS secret generated on
 * first start and kept in the state dir) and prints the links.
 *
 * Signals: SIGHUP re-reads the config file, validates it and applies it (the old one stays on error);
 * SIGTERM / SIGINT stop accepting, turn readiness off and drain until the deadline; a second one exits at once.
 * With `[server] workers` > 1 this process becomes the primary of node:cluster workers (src/cluster/primary-role.ts)
 * and each worker runs src/cluster/worker-role.ts (docs/fleet.md); signals then go to the primary.
 */
import cluster from 'node:cluster';
import type { Command } from 'commander';
import { userLinks } from '../../config/links.js';
import { configFromFlags } from '../../config/from-flags.js';
import { loadConfigFile } from '../../config/load.js';
import type { MtShieldConfig } from '../../config/types.js';
import { createLogger, type Logger } from '../../log/logger.js';
import { startApp, type App } from '../../app.js';
import { applyGcMode } from '../../util/gc-mode.js';
import { missingLaunchSettings, relaunch, relaunchPlan, stopWithParent } from '../../util/launch.js';
import { runPrimary } from '../../cluster/primary-role.js';
import { runWorker } from '../../cluster/worker-role.js';
import { workerCount } from '../../cluster/supervisor.js';

interface RunFlags {
  config?: string;
  stateDir?: string;
  /** false with --no-reexec. */
  reexec?: boolean;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run the proxy (embedded defaults when no --config is given)')
    .option('-c, --config <file>', 'TOML config file')
    .option('--state-dir <dir>', 'state directory when running on defaults (default ./.mtshield)')
    .option('--no-reexec', 'do not restart with the launch settings when started without them (or MTSHIELD_NO_REEXEC=1)')
    .action(async (flags: RunFlags) => {
      // Started without the launch settings (src/util/launch.ts): run again with them, once, before anything else.
      const plan = flags.reexec === false ? undefined : relaunchPlan();
      if (plan) return relaunch(plan);
      let config: MtShieldConfig;
      let generated: boolean;
      try {
        ({ config, generated } = configFromFlags(flags));
      } catch (err) {
        console.error(`mtshield run: ${(err as Error).message}`);
        process.exitCode = 2;
        return;
      }
      applyGcMode(config.server.gc); // before the relay allocates anything
      const logger = createLogger(config.log.level);
      if (cluster.isWorker || workerCount(config.server.workers) > 1) return runGroup(config, logger, flags.config, generated);
      // Handlers first: a signal that arrives while starting must not hit Node's default (exit) action.
      const holder: AppHolder = {};
      installSignals(holder, logger, flags.config);
      stopWithParent();
      try {
        holder.app = await startApp(config, logger);
      } catch (err) {
        logger.fatal({ err: (err as Error).message }, 'cannot start');
        process.exitCode = 1;
        return;
      }
      printLinks(config, holder.app.service.server.addresses()[0]?.port, generated);
      logger.info({ pid: process.pid, gc: config.server.gc }, 'ready');
      const missing = missingLaunchSettings();
      if (missing.length > 0) logger.info({ missing }, 'started without the recommended launch settings (docs/operations.md): more CPU per byte relayed');
      if (holder.pendingStop) holder.pendingStop();
    });
}

/** `[server] workers` > 1: this process is the primary of the group, or one of its workers. */
async function runGroup(config: MtShieldConfig, logger: Logger, configFile: string | undefined, generated: boolean): Promise<void> {
  try {
    if (cluster.isWorker) return await runWorker(config, logger);
    const supervisor = await runPrimary(config, logger, configFile);
    stopWithParent(); // its SIGTERM handler (drain the group) is installed now
    printLinks(config, config.server.listen[0]!.port, generated);
    logger.info({ pid: process.pid, workers: supervisor.size, ready: supervisor.readyCount }, 'ready');
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'cannot start');
    process.exitCode = 1;
    if (cluster.isWorker) process.exit(1);
  }
}

interface AppHolder {
  app?: App;
  /** A stop signal that came in while starting: run once the app is up. */
  pendingStop?: () => void;
}

function printLinks(config: MtShieldConfig, boundPort: number | undefined, generated: boolean): void {
  // The link rule's port (link_port, else the listen port); a listen port of 0 is known only once bound.
  const port = config.link.port ?? boundPort ?? config.server.listen[0]!.port;
  const lines = [generated ? 'mtshield: generated a new fake-TLS secret (kept in the state dir)' : 'mtshield: proxy links'];
  for (const link of userLinks(config, port)) lines.push(`  ${link.user}: ${link.tg}`, `  ${link.user}: ${link.https}`);
  // Links carry secrets: they go to the terminal, never into the log stream.
  process.stderr.write(lines.join('\n') + '\n');
}

function installSignals(holder: AppHolder, logger: Logger, configFile: string | undefined): void {
  let stopping = false;
  const onStop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second stop signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    const app = holder.app;
    if (!app) {
      holder.pendingStop = () => {
        stopping = false;
        onStop(signal);
      };
      return;
    }
    const deadlineMs = app.service.config.server.drainTimeoutMs;
    logger.info({ signal, deadlineMs }, 'stopping: draining connections');
    app.stop(deadlineMs).then(
      () => {
        logger.info('stopped');
        logger.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err: (err as Error).message }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', () => {
    const app = holder.app;
    if (!app) return void logger.warn('SIGHUP while starting: ignored');
    if (!configFile) {
      logger.info('SIGHUP: running on embedded defaults, nothing to reload');
      return;
    }
    try {
      const next = loadConfigFile(configFile);
      app.reload(next).then(
        () => logger.info({ users: next.users.length }, 'config reloaded'),
        (err: unknown) => logger.error({ err: (err as Error).message }, 'reload failed; keeping the old config'),
      );
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'reload failed; keeping the old config');
    }
  });
}
