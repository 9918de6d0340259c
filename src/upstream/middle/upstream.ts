/**
 * MiddleUpstream: the Upstream (src/upstream/types.ts) of middle mode (docs/protocol.md "Middle proxy"). Each
 * admitted client gets a virtual stream on a pooled link to one of its DC's middle proxies, opened with the real
 * client's address (its ConnectionRef) and its ad tag (the user's own, else [upstream] ad_tag); the relay pumps
 * against a MiddleClientEndpoint and a codec that only removes and re-applies the client's obfuscated2 layer.
 * Usage, quotas, limits and the security layer sit in the session and relay, as in direct mode.
 */
import type { AdmittedClient, Upstream, UpstreamContext, UpstreamLink } from '../types.js';
import { MiddleClientEndpoint } from './client-endpoint.js';
import { ClientSideCodec } from '../client-codec.js';
import type { MiddlePool } from './pool.js';

/** The ad tag to send for a user (16 bytes), or undefined for none. */
export type AdTagLookup = (user: string) => Uint8Array | undefined;

export class MiddleUpstream implements Upstream {
  constructor(
    private readonly ctx: UpstreamContext,
    private readonly pool: MiddlePool,
    private readonly adTagFor: AdTagLookup,
  ) {}

  async connect(client: AdmittedClient, signal: AbortSignal): Promise<UpstreamLink> {
    const { ctx } = this;
    const started = Date.now();
    let link;
    try {
      link = await this.pool.linkFor(client.dc, signal);
    } catch (err) {
      if (!signal.aborted) ctx.reports.failed(client, 'middle-proxy', (err as Error).message);
      throw err;
    }
    const { ref } = client;
    const stream = link.openClient({
      client: { ip: ref.remoteAddress, port: ref.remotePort },
      proxy: { ip: ref.localAddress, port: ref.localPort },
      framing: client.framing,
      adTag: this.adTagFor(client.user),
    });
    ctx.reports.connected(client, `middle:${link.peer}`, Date.now() - started);
    const endpoint = new MiddleClientEndpoint(stream, client.framing, ctx.settings().maxBufferBytes);
    const { decrypt, encrypt } = client.keys;
    const codec = new ClientSideCodec(ctx.crypto, ctx.ciphers.stream('aes-256-ctr', decrypt.key, decrypt.iv), ctx.ciphers.stream('aes-256-ctr', encrypt.key, encrypt.iv));
    return { endpoint, codec };
  }
}

/** Ad tags by user from a config reader: the user's own tag, else the global one; parsed once per config. */
export function adTagLookup(read: () => { upstream: { adTag?: string | undefined }; users: readonly { name: string; adTag?: string | undefined }[] }): AdTagLookup {
  let seen: object | undefined;
  let byUser = new Map<string, Uint8Array>();
  let global: Uint8Array | undefined;
  return (user) => {
    const config = read();
    if (config !== seen) {
      seen = config;
      global = config.upstream.adTag === undefined ? undefined : Buffer.from(config.upstream.adTag, 'hex');
      byUser = new Map(config.users.filter((u) => u.adTag !== undefined).map((u) => [u.name, Buffer.from(u.adTag!, 'hex')]));
    }
    return byUser.get(user) ?? global;
  };
}
