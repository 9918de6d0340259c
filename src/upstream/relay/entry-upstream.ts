/**
 * The relay entry as an Upstream (docs/operations.md "Chaining: entry and exit"): each admitted client becomes
 * one stream on the connector's tunnel, opened with its DC id, framing and address; the stream carries the
 * client's de-obfuscated bytes (client-codec.ts). The connector reconnects and fails over on its own; a connect
 * waits for a live tunnel up to the server's connect timeout.
 */
import type { CipherParams } from '../../protocol/ctr.js';
import type { AdmittedClient, Upstream, UpstreamContext, UpstreamEndpoint, UpstreamLink } from '../types.js';
import { ClientSideCodec } from '../client-codec.js';
import { RelayError } from './errors.js';
import type { RelayConnector } from './connector.js';
import type { RelayStream } from './stream.js';

export class RelayEntryUpstream implements Upstream {
  constructor(
    private readonly ctx: UpstreamContext,
    private readonly connector: RelayConnector,
    /** How the exit is named in dc.connected / dc.failed events. */
    private readonly label = 'relay',
  ) {}

  async connect(client: AdmittedClient, signal: AbortSignal): Promise<UpstreamLink> {
    const { ctx } = this;
    const started = Date.now();
    let stream: RelayStream;
    try {
      stream = await withDeadline(
        this.connector.openStream({ dc: client.dc, framing: client.framing, clientAddress: client.ref.remoteAddress, clientPort: client.ref.remotePort }),
        ctx.settings().connectTimeoutMs,
        signal,
      );
    } catch (err) {
      if (!signal.aborted) ctx.reports.failed(client, this.label, (err as Error).message);
      throw err;
    }
    stream.pause(); // until the relay attaches its listeners (it resumes)
    ctx.reports.connected(client, this.label, Date.now() - started);
    const cipher = (p: CipherParams) => ctx.ciphers.stream('aes-256-ctr', p.key, p.iv);
    const codec = new ClientSideCodec(ctx.crypto, cipher(client.keys.decrypt), cipher(client.keys.encrypt));
    // A RelayStream is socket-like (data/drain/end/close/error, write/end/destroy/pause/resume): what the relay uses.
    return { endpoint: stream as unknown as UpstreamEndpoint, codec };
  }
}

/** `work`, or a rejection at the deadline or on abort; a stream that arrives too late is reset. */
function withDeadline(work: Promise<RelayStream>, timeoutMs: number, signal: AbortSignal): Promise<RelayStream> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      reject(err);
    };
    const onAbort = () => fail(signal.reason);
    const timer = setTimeout(() => fail(new RelayError('transport-error', `no relay tunnel within ${timeoutMs} ms`)), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (stream) => {
        if (settled) return stream.destroy();
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(stream);
      },
      fail,
    );
  });
}
