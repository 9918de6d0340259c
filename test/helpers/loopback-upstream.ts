/**
 * A small Upstream for tests of the session and relay without a DC: the link's endpoint is an in-memory duplex
 * that echoes the client's plaintext stream (its frames, decrypted with the client's obfuscated2 keys) back,
 * re-encrypted for the client. It can hold its writes (a slow consumer, for backpressure) and make connect()
 * wait until released or aborted (for cancellation).
 */
import { ClientSideCodec } from '../../src/upstream/client-codec.js';
import { Duplex } from 'node:stream';
import type { CipherParams } from '../../src/protocol/ctr.js';
import type { AdmittedClient, Upstream, UpstreamContext, UpstreamLink } from '../../src/upstream/types.js';

/**
 * Echoes what is written to it. A `slow` stream is a sink instead: it echoes nothing and, while `holding`,
 * keeps its writes' callbacks, so its queue fills and write() says false.
 */
export class EchoStream extends Duplex {
  /** Plaintext bytes written to the stream (the client's framed stream). */
  readonly received: Buffer[] = [];
  receivedBytes = 0;
  slow = false;
  holding = false;
  private held: (() => void)[] = [];

  constructor(highWaterMark: number) {
    super({ highWaterMark, allowHalfOpen: true });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.received.push(Buffer.from(chunk));
    this.receivedBytes += chunk.length;
    if (this.holding) return void this.held.push(done);
    if (!this.slow) this.push(Buffer.from(chunk));
    done();
  }

  override _final(done: (err?: Error | null) => void): void {
    this.push(null); // the client's end is passed back, like a DC closing its side
    done();
  }

  override _read(): void {}

  /** Stops holding: the kept writes complete, so the relay sees 'drain'. */
  release(): void {
    this.holding = false;
    for (const done of this.held.splice(0)) done();
  }
}

export class LoopbackUpstream implements Upstream {
  readonly clients: AdmittedClient[] = [];
  readonly endpoints: EchoStream[] = [];
  /** Signals of connects made while `gate` was set. */
  readonly waiting: AbortSignal[] = [];
  /** When set, connect() waits for it (or the signal's abort) before it answers. */
  gate: Promise<void> | undefined;
  /** New endpoints are slow sinks, holding their writes until released. */
  slow = false;

  constructor(
    private readonly ctx: UpstreamContext,
    private readonly highWaterMark = 64 * 1024,
  ) {}

  async connect(client: AdmittedClient, signal: AbortSignal): Promise<UpstreamLink> {
    this.clients.push(client);
    if (this.gate) {
      this.waiting.push(signal);
      await Promise.race([
        this.gate,
        new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
      ]);
    }
    const endpoint = new EchoStream(this.highWaterMark);
    endpoint.slow = endpoint.holding = this.slow;
    this.endpoints.push(endpoint);
    return { endpoint, codec: new ClientSideCodec(this.ctx.crypto, this.cipher(client.keys.decrypt), this.cipher(client.keys.encrypt)) };
  }

  private cipher(params: CipherParams) {
    return this.ctx.ciphers.stream('aes-256-ctr', params.key, params.iv);
  }
}
