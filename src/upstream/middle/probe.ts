/**
 * Middle mode's check for `mtshield doctor` (docs/operations.md "Middle-proxy mode"): reads the proxy secret and
 * table as `run` would (never downloading), then opens one link to every middle proxy the table names and
 * reports whether it was reachable and whether the handshake (docs/protocol.md "Middle proxy") completed.
 */
import type { MtShieldConfig } from '../../config/types.js';
import { MiddleLink } from './link.js';
import type { CbcSource } from './rpc-channel.js';
import { MiddleSources } from './sources.js';

export interface MiddleProbeResult {
  /** The DC ids whose row names this proxy. */
  dcs: number[];
  host: string;
  port: number;
  ok: boolean;
  ms: number;
  /** Why it failed: the connect error, or the handshake's. */
  error?: string;
}

/** Throws MiddleSetupError when the files cannot be used (the doctor reports it as the check's failure). */
export async function probeMiddleProxies(config: MtShieldConfig, registry: CbcSource, timeoutMs: number): Promise<MiddleProbeResult[]> {
  const middle = config.upstream.middle;
  const { table, proxySecret } = await new MiddleSources({
    proxySecretPath: middle.proxySecretPath!,
    proxyConfigPath: middle.proxyConfigPath!,
    proxyConfigV6Path: middle.proxyConfigV6Path,
    download: false,
  }).open();
  const byEndpoint = new Map<string, MiddleProbeResult>();
  for (const dc of table.dcs) {
    for (const e of table.endpoints(dc)) {
      const key = `${e.host}|${e.port}`;
      const known = byEndpoint.get(key);
      if (known) known.dcs.push(dc);
      else byEndpoint.set(key, { dcs: [dc], host: e.host, port: e.port, ok: false, ms: 0 });
    }
  }
  const results = [...byEndpoint.values()];
  await Promise.all(
    results.map(async (r) => {
      const started = Date.now();
      try {
        const link = await MiddleLink.connect({ host: r.host, port: r.port, proxySecret, registry, natIp: middle.natIp, natIp6: middle.natIp6, handshakeTimeoutMs: timeoutMs });
        link.close();
        r.ok = true;
      } catch (err) {
        r.error = (err as { code?: string }).code ?? (err as Error).message;
      }
      r.ms = Date.now() - started;
    }),
  );
  return results;
}
