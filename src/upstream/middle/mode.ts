/**
 * Middle mode assembled (docs/operations.md "Middle-proxy mode"): the files (sources.ts), the link pool
 * (pool.ts), the refresh timer and the Upstream factory the proxy server takes (upstream.ts). service.ts calls
 * startMiddleMode() when [upstream] mode = "middle"; a missing file refuses the start (MiddleSetupError).
 */
import type { Logger } from 'pino';
import type { MtShieldConfig } from '../../config/types.js';
import type { UpstreamContext, UpstreamFactory } from '../types.js';
import { MiddlePool, type MiddlePoolOptions } from './pool.js';
import type { CbcSource } from './rpc-channel.js';
import { MiddleSources } from './sources.js';
import { MiddleUpstream, adTagLookup } from './upstream.js';

export interface MiddleModeOptions {
  config: MtShieldConfig;
  /** The kernel registry (CBC per packet size) or node-cbc.ts when kernels are unavailable. */
  registry: CbcSource;
  logger: Logger;
  /** Internal: where downloads come from (tests: a server on 127.0.0.1). */
  baseUrl?: string;
  /** Internal: pool tuning (tests shorten the keep-alive and backoff). */
  pool?: Partial<Omit<MiddlePoolOptions, 'table' | 'proxySecret' | 'registry'>>;
}

export interface MiddleMode {
  readonly pool: MiddlePool;
  /** The server's upstream; `config()` is read per client for ad tags (so reloads apply). */
  upstream(config: () => MtShieldConfig): UpstreamFactory;
  /** Re-downloads (when configured) and re-reads the files; false (table kept) when they are unusable. */
  refresh(): Promise<boolean>;
  close(): Promise<void>;
}

export async function startMiddleMode(options: MiddleModeOptions): Promise<MiddleMode> {
  const { logger } = options;
  const middle = options.config.upstream.middle;
  const sources = new MiddleSources({
    proxySecretPath: middle.proxySecretPath!,
    proxyConfigPath: middle.proxyConfigPath!,
    proxyConfigV6Path: middle.proxyConfigV6Path,
    download: middle.download,
    baseUrl: options.baseUrl,
    onDownloadFailed: (file, err) => logger.warn({ file, err: err.message }, 'middle proxy file download failed; the file on disk is kept'),
  });
  const first = await sources.open();
  const pool = new MiddlePool({
    ...options.pool,
    table: first.table,
    proxySecret: first.proxySecret,
    registry: options.registry,
    natIp: middle.natIp,
    natIp6: middle.natIp6,
  });
  logger.info({ dcs: first.table.dcs.length, default: first.table.defaultDc }, 'middle-proxy mode: table loaded');
  const refresh = async (): Promise<boolean> => {
    try {
      const next = await sources.refresh();
      pool.setTable(next.table, next.proxySecret);
      logger.info({ dcs: next.table.dcs.length }, 'middle-proxy table refreshed');
      return true;
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'middle-proxy refresh failed; the table in use is kept');
      return false;
    }
  };
  const timer = setInterval(() => void refresh(), middle.refreshMs);
  timer.unref();
  return {
    pool,
    upstream: (config) => (ctx: UpstreamContext) => new MiddleUpstream(ctx, pool, adTagLookup(config)),
    refresh,
    async close() {
      clearInterval(timer);
      await pool.close();
    },
  };
}
