/**
 * The proxy server: listeners on one or more addresses (IPv4 and IPv6), the live sessions, one sweep timer
 * for every deadline (handshake, idle, expiry, byte reports, usage flush), reload and drain.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { MtShieldConfig } from '../config/types.js';
import { EventBus } from '../events.js';
import { DcTable } from '../protocol/dc.js';
import { MemoryReplayCache, type ReplayCache } from '../protocol/replay.js';
import type { DialTarget } from '../upstream/dial.js';
import { chooseFrontingTarget } from './fronting-target.js';
import { DirectUpstream } from '../upstream/direct/index.js';
import type { AdmittedClient, CryptoCounts, Upstream, UpstreamContext, UpstreamFactory, UpstreamReports } from '../upstream/types.js';
import { nodeCipherSource, type StreamCipherSource } from './cipher.js';
import type { SessionContext, SessionSettings } from './context.js';
import { allowAllGate, unlimitedShaper, type BandwidthShaper, type ConnectionGate } from './hooks.js';
import { createLogger } from '../log/logger.js';
import { Session } from './session.js';
import { ProxyHeaderIntake, type ProxyHeaderOwner } from './proxy-header-intake.js';
import { ProxyProtocolTrust } from '../protocol/proxy-protocol-trust.js';
import { connectionRef } from './connection-ref.js';
import { FileUsageStore, type UsageStore } from './usage-store.js';
import { UserDirectory } from './users.js';
import { ProxyStatsCounter, replayStatsOf, type ProxyStats } from './stats.js';
import type { HandshakeOptions } from './handshake.js';
import { SourceThrottle, type HandshakeThrottle } from './source-throttle.js';
import { SlotTable } from './slots.js';
import { GlobalKeyBudget, KeySearch, keyBudgetEvent, type KeySearchBudget } from './key-search-budget.js';
import { FallbackProfiles, type ProfileSource } from '../fronting/source.js';

export interface ProxyServerOptions {
  bus?: EventBus;
  gate?: ConnectionGate;
  shaper?: BandwidthShaper;
  logger?: Logger;
  ciphers?: StreamCipherSource;
  replay?: ReplayCache;
  /** Defaults to <state_dir>/usage.json. */
  usageStore?: UsageStore;
  /** Where admitted clients go: an Upstream, or a factory given the server's UpstreamContext. Default: direct. */
  upstream?: Upstream | UpstreamFactory;
  /** Failed-handshake budget per source (src/proxy/source-throttle.ts); default a SourceThrottle. */
  throttle?: HandshakeThrottle;
  /** Global budget of failed key trials (src/proxy/key-search-budget.ts); default from [limits.key_search]. */
  keyBudget?: KeySearchBudget;
  /** Fronting-site profiles for the fake-TLS answer (`run` gives its ProfileStore); default: the fallback. */
  profiles?: ProfileSource;
}

const SWEEP_MS = 1000;
const BYTES_EVERY_SWEEPS = 5;
const FLUSH_EVERY_SWEEPS = 10;
/** Consecutive DC dial failures after which the server reports itself not ready. */
const DC_FAILURES_NOT_READY = 3;

export class ProxyServer implements SessionContext, UpstreamContext, ProxyHeaderOwner {
  readonly bus: EventBus;
  readonly gate: ConnectionGate;
  readonly shaper: BandwidthShaper;
  readonly logger: Logger;
  readonly ciphers: StreamCipherSource;
  readonly replay: ReplayCache;
  readonly users: UserDirectory;
  readonly upstream: Upstream;
  readonly throttle: HandshakeThrottle;
  /** Hot keys first, the rest within the global budget; `keySearch.totalTried` counts key trials. */
  readonly keySearch: KeySearch;
  readonly profiles: ProfileSource; // issue 15 (fronting profile)
  /** Slots reserved for authenticated clients (src/proxy/slots.ts). */
  readonly slots = new SlotTable();
  /** The crypto part of the server's counts (upstream codecs add to it; read through stats()). */
  readonly crypto: CryptoCounts = { encrypted: 0, decrypted: 0 };
  /** The crypto counts already reported as `packets` events. */
  private readonly cryptoReported: CryptoCounts = { encrypted: 0, decrypted: 0 };
  private readonly usageStore: UsageStore;
  private current: MtShieldConfig;
  private currentSettings: SessionSettings;
  private currentHandshake: HandshakeOptions;
  private table: DcTable;
  private readonly servers: Server[] = [];
  private readonly sessions = new Map<number, Session>();
  /** PROXY protocol: connections whose header has not arrived yet (proxy-header-intake.ts). */
  private readonly intakes = new Map<number, ProxyHeaderIntake>();
  /** `[server] proxy_protocol_trusted` when `proxy_protocol` is on, else undefined (no header expected). */
  private proxyTrust: ProxyProtocolTrust | undefined;
  private readonly counter = new ProxyStatsCounter();
  private nextId = 1;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeps = 0;
  private draining = false;
  private listening = false;
  private dcFailures = 0;
  private drainWaiters: (() => void)[] = [];
  private listenersClosed: Promise<void> | undefined;

  constructor(config: MtShieldConfig, options: ProxyServerOptions = {}) {
    this.bus = options.bus ?? new EventBus();
    this.gate = options.gate ?? allowAllGate;
    this.shaper = options.shaper ?? unlimitedShaper;
    this.logger = options.logger ?? createLogger(config.log.level);
    this.ciphers = options.ciphers ?? nodeCipherSource;
    this.replay = options.replay ?? new MemoryReplayCache({ maxBytes: config.tls.replayMemoryBytes, maxEntries: config.tls.replayEntries });
    this.usageStore = options.usageStore ?? new FileUsageStore(config.server.stateDir);
    this.users = new UserDirectory(this.usageStore);
    this.throttle = options.throttle ?? new SourceThrottle();
    const onExhausted = (info: { keysPerSecond: number; burstKeys: number }) => this.bus.emit('security.event', keyBudgetEvent(info, Date.now()));
    this.keySearch = new KeySearch(options.keyBudget ?? new GlobalKeyBudget({ ...config.security.limits.keySearch, onExhausted }));
    this.profiles = options.profiles ?? new FallbackProfiles(); // issue 15 (fronting profile)
    this.current = config;
    this.currentSettings = settingsOf(config);
    this.currentHandshake = this.handshakeOptionsOf(this.currentSettings);
    this.table = dcTableOf(config);
    this.proxyTrust = proxyTrustOf(config);
    this.users.replaceAll(config.users);
    this.counter.attach(this.bus);
    const upstream = options.upstream ?? ((ctx: UpstreamContext) => new DirectUpstream(ctx));
    this.upstream = typeof upstream === 'function' ? upstream(this) : upstream;
  }

  /**
   * An upstream's outcome: the readiness count of failed dials, and dc.connected / dc.failed events when anything
   * listens. The event is built only then: made for every dial, it was about 0.8 KiB per connection of garbage
   * that outlived the young generation (bench/proxy idle-memory A/B, sampling heap profile).
   */
  readonly reports: UpstreamReports = {
    connected: (client: AdmittedClient, upstream: string, connectMs: number) => {
      this.dcFailures = 0;
      if (this.bus.listenerCount('dc.connected') > 0) {
        this.bus.emit('dc.connected', { ...client.ref, user: client.user, dc: client.dc, upstream, connectMs });
      }
    },
    failed: (client: AdmittedClient, upstream: string, error: string) => {
      this.dcFailures++;
      if (this.bus.listenerCount('dc.failed') > 0) this.bus.emit('dc.failed', { ...client.ref, user: client.user, dc: client.dc, upstream, error });
    },
  };

  get config(): MtShieldConfig {
    return this.current;
  }

  settings(): SessionSettings {
    return this.currentSettings;
  }

  handshakeOptions(): HandshakeOptions {
    return this.currentHandshake;
  }

  /** One options object per config, shared by every connection's handshake (no closures per connection). */
  private handshakeOptionsOf(settings: SessionSettings): HandshakeOptions {
    const users = this.users;
    return {
      candidates: (transport) => users.candidates(transport),
      tlsCandidates: (sni) => users.tlsCandidates(sni),
      throttle: this.throttle,
      keySearch: this.keySearch,
      hotKeys: (transport, sni) => users.hotKeys(transport, sni),
      profiles: this.profiles, // the answer shaped like the fronting site's (src/fronting/)
      allowModes: settings.allowModes,
      maxSkewMs: settings.maxSkewMs,
      now: Date.now,
    };
  }

  dcTable(): DcTable {
    return this.table;
  }

  async listen(): Promise<void> {
    const listen = this.current.server.listen;
    const hasV4Wildcard = (port: number) => listen.some((a) => a.host === '0.0.0.0' && a.port === port);
    for (const address of listen) {
      const server = createServer(
        { allowHalfOpen: true, noDelay: true, highWaterMark: this.currentSettings.maxBufferBytes },
        this.onConnection,
      );
      server.on('error', (err) => this.logger.error({ err: err.message }, 'listener error'));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        const ipv6Only = address.host.includes(':') && hasV4Wildcard(address.port);
        server.listen({ host: address.host, port: address.port, ipv6Only }, () => {
          server.removeListener('error', reject);
          resolve();
        });
      });
      this.servers.push(server);
    }
    this.listening = true;
    this.sweepTimer = setInterval(this.sweep, SWEEP_MS);
    this.sweepTimer.unref();
    for (const a of this.addresses()) this.logger.info({ address: a.address, port: a.port }, 'listening');
  }

  addresses(): { address: string; port: number; family: string }[] {
    const out: { address: string; port: number; family: string }[] = [];
    for (const server of this.servers) {
      const a = server.address();
      if (a && typeof a === 'object') out.push({ address: a.address, port: a.port, family: a.family });
    }
    return out;
  }

  stats(): ProxyStats {
    const replay = replayStatsOf(this.replay.window?.(), this.currentSettings.replayMaxAgeMs);
    return this.counter.snapshot(this.sessions.values(), this.users.size, this.draining, this.crypto, replay);
  }

  /** False while draining, before listening, or after several DC dials failed in a row. */
  isReady(): boolean {
    return this.listening && !this.draining && this.dcFailures < DC_FAILURES_NOT_READY;
  }

  /** Validates and applies a new config; on error the old one stays and the error is thrown. */
  reload(config: MtShieldConfig): void {
    try {
      const table = dcTableOf(config);
      const proxyTrust = proxyTrustOf(config);
      this.users.replaceAll(config.users);
      if (JSON.stringify(this.current.server.listen) !== JSON.stringify(config.server.listen)) {
        this.logger.warn('listen addresses change on restart only');
      }
      this.table = table;
      this.proxyTrust = proxyTrust;
      this.current = config;
      this.currentSettings = settingsOf(config);
      this.currentHandshake = this.handshakeOptionsOf(this.currentSettings);
      this.logger.level = config.log.level;
    } catch (err) {
      this.bus.emit('config.reloaded', { ok: false, error: (err as Error).message, users: this.users.size });
      throw err;
    }
    this.bus.emit('config.reloaded', { ok: true, users: this.users.size });
  }

  frontingTarget(sni: string | undefined): DialTarget | undefined {
    return chooseFrontingTarget(this.current.fronting, this.users.domains(), sni);
  }

  sessionClosed(session: { readonly ref: { id: number } }): void {
    this.sessions.delete(session.ref.id);
    this.slots.closed(session.ref.id);
    if (this.sessions.size === 0) for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  /** Stops accepting, turns readiness off and waits for sessions to end; cuts the rest at the deadline. */
  async drain(deadlineMs: number = this.current.server.drainTimeoutMs): Promise<void> {
    if (!this.draining) {
      this.draining = true;
      this.bus.emit('server.draining', { deadlineMs });
      this.logger.info({ deadlineMs, connections: this.sessions.size }, 'draining');
      this.stopListening();
    }
    if (this.sessions.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadlineMs);
        this.drainWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    for (const session of [...this.sessions.values()]) session.stop('shutdown');
    for (const intake of [...this.intakes.values()]) intake.fail('shutdown');
  }

  /** Closes everything now. */
  async close(): Promise<void> {
    this.draining = true;
    clearInterval(this.sweepTimer);
    const closed = this.stopListening();
    for (const session of [...this.sessions.values()]) session.stop('shutdown');
    for (const intake of [...this.intakes.values()]) intake.fail('shutdown');
    await closed;
    this.flushUsage();
    this.listening = false;
  }

  /** Stops accepting; resolves once every listener has closed (net.Server waits for its sockets). */
  private stopListening(): Promise<void> {
    this.listenersClosed ??= Promise.all(
      this.servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))),
    ).then(() => undefined);
    return this.listenersClosed;
  }

  private onConnection = (socket: Socket): void => {
    // Reset before we accepted it: the peer address is already gone (getpeername fails), so there is no one
    // to serve, gate or count; without this, listeners got "" as the client address.
    if (socket.remoteAddress === undefined) return void socket.destroy();
    const id = this.nextId++;
    if (this.draining) return this.refuse(socket, id, 'draining');
    // At a bound, the oldest unauthenticated connection gives up its slot (src/proxy/slots.ts).
    if (!this.slots.makeRoom(this.currentSettings, this.sessions.size + this.intakes.size, this.intakes.size)) {
      return this.refuse(socket, id, 'overload');
    }
    const trust = this.proxyTrust;
    if (trust === undefined) return this.startSession(new Session(this, socket, id));
    // A header from a peer that is not a trusted balancer would let a client choose its own address.
    if (!trust.trusts(socket.remoteAddress)) return this.refuse(socket, id, 'proxy_protocol', 'untrusted_peer');
    this.intakes.set(id, new ProxyHeaderIntake(this, socket, id, this.currentSettings.handshakeTimeoutMs));
  };

  /** Refused before any session exists: the event names the socket's peer (no PROXY header was read). */
  private refuse(socket: Socket, id: number, by: 'draining' | 'overload' | 'proxy_protocol', reason: string = by): void {
    this.bus.emit('connection.refused', { ...connectionRef(socket, id), reason, by });
    socket.destroy();
  }

  private startSession(session: Session, first?: Buffer): void {
    this.sessions.set(session.ref.id, session);
    this.slots.opened(session);
    session.start(first).catch((err: unknown) => {
      this.logger.warn({ err: (err as Error).message }, 'session failed');
      session.close('error');
    });
  }

  headerRead(intake: ProxyHeaderIntake, client: { address: string; port: number } | undefined, rest: Buffer): void {
    this.intakes.delete(intake.id);
    this.startSession(new Session(this, intake.socket, intake.id, client), rest);
  }

  headerFailed(intake: ProxyHeaderIntake, reason: string): void {
    if (this.intakes.delete(intake.id)) this.bus.emit('connection.refused', { ...connectionRef(intake.socket, intake.id), reason, by: 'proxy_protocol' });
  }

  private sweep = (): void => {
    const now = Date.now();
    this.sweeps++;
    const reportBytes = this.sweeps % BYTES_EVERY_SWEEPS === 0;
    for (const session of this.sessions.values()) {
      session.tick(now);
      if (reportBytes) session.reportBytes();
    }
    for (const intake of this.intakes.values()) intake.tick(now);
    this.reportPackets();
    if (this.sweeps % FLUSH_EVERY_SWEEPS === 0) {
      this.flushUsage();
      this.throttle.prune(now);
      this.keySearch.budget.prune(now);
    }
  };

  /** The crypto counts since the last sweep, as a `packets` event (none when nothing moved). */
  private reportPackets(): void {
    const encrypted = this.crypto.encrypted - this.cryptoReported.encrypted;
    const decrypted = this.crypto.decrypted - this.cryptoReported.decrypted;
    if (encrypted === 0 && decrypted === 0) return;
    this.cryptoReported.encrypted = this.crypto.encrypted;
    this.cryptoReported.decrypted = this.crypto.decrypted;
    this.bus.emit('packets', { encrypted, decrypted });
  }

  private flushUsage(): void {
    try {
      this.usageStore.flush();
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'cannot save usage');
    }
  }
}

function settingsOf(config: MtShieldConfig): SessionSettings {
  const s = config.server;
  return {
    handshakeTimeoutMs: s.handshakeTimeoutMs,
    idleTimeoutMs: s.idleTimeoutMs,
    connectTimeoutMs: s.connectTimeoutMs,
    frontingConnectTimeoutMs: config.fronting.connectTimeoutMs,
    frontingProxyProtocol: config.fronting.proxyProtocol,
    frontingIdleTimeoutMs: Math.min(config.fronting.idleTimeoutMs, s.idleTimeoutMs),
    frontingMaxLifetimeMs: config.fronting.maxLifetimeMs,
    maxBufferBytes: s.maxBufferBytes,
    fastMode: s.fastMode,
    allowModes: s.allowModes,
    maxSkewMs: config.tls.maxSkewMs,
    replayMaxAgeMs: config.tls.replayMaxAgeMs,
    maxConnections: s.maxConnections,
    unauthenticatedShare: config.security.limits.unauthenticatedShare,
  };
}

function proxyTrustOf(config: MtShieldConfig): ProxyProtocolTrust | undefined {
  return config.server.proxyProtocol ? new ProxyProtocolTrust(config.server.proxyProtocolTrusted) : undefined;
}

function dcTableOf(config: MtShieldConfig): DcTable {
  return new DcTable({
    overrides: config.upstream.dc,
    preferIpv6: config.server.preferIpv6,
    defaultDc: config.server.defaultDc,
  });
}

