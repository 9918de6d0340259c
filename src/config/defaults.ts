/**
 * Every default of the config file, in one object, spelled the way the file is (units as text, the table
 * and key names of config/mtshield.example.toml in camelCase). The schema (./schema/) applies them; the
 * example config writes the same values (test/hardening/example-config.test.ts keeps the two equal).
 */
import type { SecretMode } from '../vocabulary/index.js';

export const DEFAULTS = {
  server: {
    listen: ['0.0.0.0:8443'],
    handshakeTimeout: '10s',
    idleTimeout: '5m',
    connectTimeout: '5s',
    drainTimeout: '30s',
    preferIpv6: false,
    fastMode: false,
    defaultDc: 2,
    maxConnections: 10_000,
    maxBuffer: '64KiB',
    stateDir: './.mtshield',
    allowModes: ['plain', 'dd', 'ee'] as SecretMode[],
    gc: 'single-threaded' as 'single-threaded' | 'parallel',
    workers: 1 as number | 'auto',
    proxyProtocol: false,
    proxyProtocolTrusted: [] as string[],
  },
  user: { level: 'standard' as 'standard' | 'none' },
  upstream: { mode: 'direct' as 'direct' | 'middle' | 'relay', middle: { refresh: '24h', download: false } },
  relay: { keyFile: 'relay.key', transport: 'tcp' as 'tcp' | 'websocket', path: '/', rekey: '1GiB', rekeyAfter: '1h' },
  /** allowPrivate: a user's domain may front to loopback/private/link-local addresses (off: it must be public). */
  /**
   * idleTimeout / maxLifetime: a fronted connection's own (a web server closes an idle keep-alive within 5–60 s),
   * not the relay's five minutes, so silent fronted connections cannot hold slots (docs/security.md, "Slots").
   */
  fronting: { port: 443, connectTimeout: '5s', proxyProtocol: false, profileRefresh: '1h', allowPrivate: false, idleTimeout: '30s', maxLifetime: '5m' },
  /**
   * replayMemory: the anti-replay cache's memory budget (memory backend); replayMaxAge: the longest a header is
   * remembered (the bound of a shared store, whose memory is Redis's). docs/security.md, "Replay window".
   */
  tls: { maxSkew: '120s', replayMemory: '32MiB', replayMaxAge: '24h' },
  log: { level: 'info' as 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' },
  admin: {
    listen: '127.0.0.1:9100',
    allow: ['127.0.0.0/8', '::1/128'],
    allowInsecureRemote: false,
    maxBody: '64KiB',
    eventsQueue: 256,
    allowedHosts: [] as string[],
    allowedOrigins: [] as string[],
    metricsUserLabels: false,
  },
  security: { sessionTtl: '15m', authFailuresPerMinute: 10 },
  audit: { recent: 1000, interval: 0, soonExpiring: '7d' },
  access: { default: 'allow' as 'allow' | 'deny', tz: 'UTC', mode: 'enforce' as 'enforce' | 'monitor' },
  limits: {
    /** Front, not close: a web server never answers with a bare close, so a close gives the proxy away. */
    refuseAction: 'front' as 'close' | 'front',
    /** Of [server] maxConnections, what unauthenticated connections may hold: the rest waits for real clients. */
    unauthenticatedShare: 0.8,
    perIp: { newConnectionsPerSecond: 30, failedHandshakesPerMinute: 60, maxConnections: 128 },
    /** 0 = no cap. */
    perUser: { maxConnections: 0 },
    /** Failed key trials the whole proxy forgives (src/proxy/key-search-budget.ts): about 20–25 ms of key trials a second. */
    keySearch: { keysPerSecond: 4_000, burstKeys: 8_000 },
  },
  anomaly: {
    window: '60s',
    handshakeFailuresPerIp: 30,
    handshakeFailuresPerSubnet: 150,
    /** A subnet is blocked only on evidence from several addresses, over a longer window than one address. */
    subnetMinSources: 8,
    subnetWindow: '10m',
    wrongSecretsPerIp: 12,
    replaysPerIp: 3,
    sharedSecretIps: 20,
    sharedSecretWindow: '1h',
    baselineInterval: '60s',
    baselineAlpha: 0.2,
    baselineFactor: 6,
    baselineWarmup: 10,
    baselineMinBytes: '8MiB',
    baselineMinConnections: 20,
    threatTtl: '15m',
  },
  blocklist: { poll: '30s' },
  geo: { fallback: true },
  /** replayOnOutage: what the replay check answers while Redis is down (docs/security.md, "State"). */
  state: { backend: 'memory' as 'memory' | 'redis', prefix: 'mtshield:', replayOnOutage: 'open' as 'open' | 'closed' },
  /**
   * A rule the document does not mention is in `monitor`, never `enforce` (docs/security.md, "Policies"), except
   * the per-source caps: their limits are generous, and a cap that only counts lets one source take every slot.
   */
  policy: {
    mode: 'monitor' as 'off' | 'monitor' | 'enforce',
    rateLimits: { mode: 'enforce' as 'off' | 'monitor' | 'enforce' },
    ipConnectionLimits: { mode: 'enforce' as 'off' | 'monitor' | 'enforce' },
    strongAuth: { minTokenLength: 40, maxTokenTtl: '90d', maxSessionTtl: '1h', adminLoopbackOrTls: true },
    geo: { unknown: 'allow' as 'allow' | 'deny' },
    anomalyActions: { minSeverity: 'high' as 'info' | 'low' | 'medium' | 'high' | 'critical', blockTtl: '1h' },
    keyRotation: { interval: '30d', grace: '1d' },
  },
  /** Domain of the fake-TLS secret generated on first start when no config is given. */
  generatedSecretDomain: 'www.google.com',
} as const;
