/**
 * The Upstream seam: how an admitted client reaches Telegram. The session hands an upstream an
 * `AdmittedClient` (who it is, which DC, which framing, its obfuscated2 keys) and gets back an `UpstreamLink`:
 * a stream endpoint the relay pumps against plus the codec for both directions. The upstream knows nothing of
 * how the client got in (gate, handshake, fake TLS, fronting); the session knows nothing of how the upstream
 * reaches Telegram.
 *
 *   direct  (src/upstream/direct)  one TCP socket per client to the DC (docs/protocol.md "Proxy → DC")
 *   middle, relay, socks5 (later)  a virtual stream multiplexed over shared links, or a socket through a
 *                                  SOCKS5 server: any node:stream Duplex with its own backpressure fits
 *
 * See docs/architecture.md "How to add an upstream".
 */
import type { Duplex } from 'node:stream';
import type { ConnectionRef, SecretMode } from '../events.js';
import type { DcTable } from '../protocol/dc.js';
import type { ObfuscatedKeys, ProtocolTag } from '../protocol/obfuscated2.js';
import type { StreamCipherSource } from '../proxy/cipher.js';

/** A client the session let in, as an upstream needs it. */
export interface AdmittedClient {
  /** The client's address (for events and, in relay mode, for the exit's log). */
  readonly ref: ConnectionRef;
  readonly user: string;
  readonly mode: SecretMode;
  /** The DC id the client asked for (may be negative: media DCs; may be unknown: the DC table decides). */
  readonly dc: number;
  /** The MTProto transport framing of the client's plaintext stream. */
  readonly framing: ProtocolTag;
  /**
   * The client's obfuscated2 key material: the link's codec turns the client's bytes into its plaintext
   * stream with these (and back). Direct mode's fast mode also hands the encrypt key to the DC.
   */
  readonly keys: ObfuscatedKeys;
  /**
   * The client's bytes are already plaintext (a relay exit's stream: the entry did the obfuscated2 side), so
   * the upstream leaves `keys` unused and does not use fast mode.
   */
  readonly plaintext?: boolean;
}

/**
 * Per-direction transforms on the relay's hot path. `up`: client → upstream; `down`: upstream → client.
 * A transform may work in place on the chunk or return fresh bytes; null means nothing to write yet.
 */
export interface RelayCodec {
  up(chunk: Uint8Array): Uint8Array | readonly Uint8Array[] | null;
  down(chunk: Uint8Array): Uint8Array | readonly Uint8Array[] | null;
  /** The relay went quiet: drop state that the next chunk can re-create (cipher contexts). */
  release(): void;
  destroy(): void;
}

/**
 * The upstream side of a relay: a duplex stream (a net.Socket in direct mode, so its per-byte path is the
 * socket's own). The relay listens to data / end / drain / error / close, pauses and resumes it, writes, ends
 * and destroys it. Its write() must say false once its queue holds the configured maxBuffer bytes.
 */
export type UpstreamEndpoint = Duplex;

export interface UpstreamLink {
  readonly endpoint: UpstreamEndpoint;
  readonly codec: RelayCodec;
}

export interface Upstream {
  /**
   * Connects `client` to Telegram. Rejects (an UpstreamError, or the signal's reason when aborted) when it
   * cannot; an aborted connect releases whatever it had opened. The signal is for this connect alone: remove
   * any listener on it when the connect settles and keep no reference (the session reuses a signal that was
   * never aborted for its next dial: src/proxy/dial-abort.ts).
   */
  connect(client: AdmittedClient, signal: AbortSignal): Promise<UpstreamLink>;
}

/** How an upstream reports its outcome (the server turns these into dc.connected / dc.failed events). */
export interface UpstreamReports {
  connected(client: AdmittedClient, upstream: string, connectMs: number): void;
  failed(client: AdmittedClient, upstream: string, error: string): void;
}

/** Settings an upstream reads when it connects (replaced on reload). */
export interface UpstreamSettings {
  readonly connectTimeoutMs: number;
  /** Each direction's queue limit (the relay's backpressure threshold). */
  readonly maxBufferBytes: number;
  readonly fastMode: boolean;
}

/** What the server gives an upstream it builds: no config file, no event bus. */
export interface UpstreamContext {
  readonly ciphers: StreamCipherSource;
  readonly reports: UpstreamReports;
  /** Chunks passed through a cipher, per direction (the server's counts; see ProxyStats.crypto). */
  readonly crypto: CryptoCounts;
  settings(): UpstreamSettings;
  dcTable(): DcTable;
}

/** Builds an upstream for a server (the server's `upstream` option). */
export type UpstreamFactory = (ctx: UpstreamContext) => Upstream;

/** Chunks passed through a cipher since the server started: `decrypted` client → upstream, `encrypted` back. */
export interface CryptoCounts {
  encrypted: number;
  decrypted: number;
}
