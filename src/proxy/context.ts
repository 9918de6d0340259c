/** What a session needs from its server (the server implements it; sessions never see the config file). */
import type { Logger } from 'pino';
import type { EventBus, SecretMode } from '../events.js';
import type { DcTable } from '../protocol/dc.js';
import type { ReplayCache } from '../protocol/replay.js';
import type { StreamCipherSource } from './cipher.js';
import type { DialTarget } from '../upstream/dial.js';
import type { Upstream } from '../upstream/types.js';
import type { BandwidthShaper, ConnectionGate } from './hooks.js';
import type { ProfileSource } from '../fronting/source.js';
import type { UserDirectory } from './users.js';
import type { HandshakeOptions } from './handshake.js';
import type { SlotTable } from './slots.js';

export interface SessionSettings {
  handshakeTimeoutMs: number;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  frontingConnectTimeoutMs: number;
  /** `[fronting] proxy_protocol`: a PROXY v2 header goes to the fronting site first. */
  frontingProxyProtocol: boolean;
  /** `[fronting] idle_timeout`, at most `idleTimeoutMs`: a fronted or sunk connection's idle timeout. */
  frontingIdleTimeoutMs: number;
  /** `[fronting] max_lifetime`: a fronted connection ends this long after accept, however busy. */
  frontingMaxLifetimeMs: number;
  maxBufferBytes: number;
  fastMode: boolean;
  allowModes: readonly SecretMode[];
  maxSkewMs: number;
  /** `[tls] replay_max_age`: how long an obfuscated2 header is remembered at most. */
  replayMaxAgeMs: number;
  maxConnections: number;
  /** `[limits] unauthenticated_share`: the part of maxConnections unauthenticated connections may hold. */
  unauthenticatedShare: number;
}

export interface SessionContext {
  readonly bus: EventBus;
  readonly gate: ConnectionGate;
  readonly shaper: BandwidthShaper;
  readonly users: UserDirectory;
  readonly replay: ReplayCache;
  readonly ciphers: StreamCipherSource;
  readonly logger: Logger;
  /** Slots reserved for authenticated clients: the session reports when it is fronted or authenticated. */
  readonly slots: SlotTable;
  /** Where admitted clients go (direct to the DCs unless the server was given another). */
  readonly upstream: Upstream;
  /** The fronting sites' profiles that shape the answer to valid fake-TLS clients (issue 15). */
  readonly profiles: ProfileSource;
  /** Current settings and DC table (replaced on reload; a session reads them when it needs them). */
  settings(): SessionSettings;
  /** Handshake options shared by every connection under the current settings (keys, modes, skew, throttle). */
  handshakeOptions(): HandshakeOptions;
  dcTable(): DcTable;
  /** Where to splice a failed client: the configured site, or the domain the client asked for. */
  frontingTarget(sni: string | undefined): DialTarget | undefined;
  sessionClosed(session: { readonly ref: { id: number } }): void;
}

