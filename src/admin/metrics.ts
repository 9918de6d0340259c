/**
 * Prometheus metrics (text exposition format 0.0.4, https://prometheus.io/docs/instrumenting/exposition_formats/)
 * via prom-client on a Registry of our own, every name prefixed `mtshield_`, counters ending `_total`, base
 * units (`_bytes`, `_seconds`), build facts in `mtshield_build_info`. Totals are read at scrape time from the
 * sources /api/v1/stats reads too — the proxy's counts (`server.stats()`, src/proxy/stats.ts) and the security
 * layer's counter snapshot — and the kernel registry (kernel in use); only what those do not keep (per-user
 * gauges and traffic, handshake durations, security events by type, reloads) is fed from the EventBus.
 * Labels come from bounded sets only: user names from the operator's config, reasons from enums — never a
 * client IP and never a secret. User names are operator data: `render({ userLabels: false })` leaves out every
 * series labelled with a user (the server does so for scrapes without a token, unless the operator opted in).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventBus, MtShieldEvents } from '../events.js';
import type { ProxyStats, ReplayStats } from '../proxy/stats.js';
import { Ja4Labels } from '../protocol/ja4.js';

export interface MetricsSources {
  bus: EventBus;
  version: string;
  /** Backend in use per algorithm, read at scrape time. */
  kernelsInUse?: () => { algorithm: string; backend: string }[];
  /** Bytes through the kernels per algorithm, backend and direction (CBC: middle mode's link), read at scrape time. */
  kernelBytes?: () => { algorithm: string; backend: string; direction: string; bytes: number }[];
  /** The proxy's counts (ProxyServer.stats()), read at scrape time; absent without a proxy (admin-only tests). */
  proxyStats?: () => ProxyStats | undefined;
  /** The security layer's counter snapshot (SecurityAdminPort.counters(), src/security/ports.ts), read at scrape time. */
  securityCounters?: () => SecurityCountersLike;
  /** Process metrics (heap, CPU, event loop lag); off in tests that count families. */
  processMetrics?: boolean;
}

export interface SecurityCountersLike {
  wouldRefuse: Record<string, number>;
  rateLimited: number;
  authAttempts: { ok: number; failed: number; rateLimited: number };
  threatsTotal: number;
  blocksAdded: number;
  blocksEvicted?: number;
  eventsDropped?: number;
  /** Threats the anomaly detector holds now. */
  threatsActive: number;
}

export const PENDING_USER = '_unidentified';

export interface AdminMetrics {
  registry: Registry;
  /** Prometheus text; `userLabels: false` drops the per-user series (default true). */
  render(options?: { userLabels?: boolean }): Promise<string>;
  contentType: string;
  close(): void;
}

export function createMetrics(sources: MetricsSources): AdminMetrics {
  const registry = new Registry();
  const registers = [registry];
  const p = 'mtshield_';

  new Gauge({ name: `${p}build_info`, help: 'Build facts (always 1).', labelNames: ['version', 'node'], registers })
    .labels(sources.version, process.version)
    .set(1);

  const active = new Gauge({ name: `${p}connections_active`, help: 'Client connections open now, by user.', labelNames: ['user'], registers });
  const connectionsTotal = new Counter({ name: `${p}connections_total`, help: 'Client connections identified as a user.', labelNames: ['user'], registers });
  const proxy = () => sources.proxyStats?.();
  /** A counter whose samples are read from the proxy's counts at scrape time. */
  const fromProxy = (name: string, help: string, labelNames: string[], read: (s: ProxyStats, set: (labels: string[], n: number) => void) => void) =>
    new Counter({
      name: `${p}${name}`,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        const stats = proxy();
        if (stats) read(stats, (labels, n) => (labels.length === 0 ? this.inc(n) : this.labels(...labels).inc(n)));
      },
    });
  const byLabel = (table: Record<string, number>, set: (labels: string[], n: number) => void) => {
    for (const [label, n] of Object.entries(table)) set([label], n);
  };
  fromProxy('connections_accepted_total', 'TCP connections accepted by the proxy listener.', [], (s, set) => set([], s.totals.accepted));
  const bytes = new Counter({ name: `${p}traffic_bytes_total`, help: 'Relayed payload bytes by user and direction (up = client to DC).', labelNames: ['user', 'direction'], registers });
  fromProxy('handshakes_total', 'Handshakes by result and failure reason.', ['result', 'reason'], (s, set) => {
    set(['ok', ''], s.totals.handshakesOk);
    for (const [reason, n] of Object.entries(s.by.handshakeFailure)) set(['failed', reason], n);
  });
  const handshakeSeconds = new Histogram({
    name: `${p}handshake_duration_seconds`,
    help: 'Time from accept to handshake outcome.',
    labelNames: ['result'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  fromProxy('packets_encrypted_total', 'Chunks passed through an encrypting cipher by the relay.', [], (s, set) => set([], s.crypto.encrypted));
  fromProxy('packets_decrypted_total', 'Chunks passed through a decrypting cipher by the relay.', [], (s, set) => set([], s.crypto.decrypted));
  fromProxy('connections_blocked_total', 'Connections refused before relaying, by what refused them.', ['reason'], (s, set) => byLabel(s.by.refusedBy, set));
  fromProxy('user_refusals_total', 'Identified users refused, by reason.', ['reason'], (s, set) => byLabel(s.by.userRefusal, set));
  fromProxy('replays_detected_total', 'Replayed handshakes detected.', ['kind'], (s, set) => byLabel(s.by.replayKind, set));
  fromProxy('dc_connect_failures_total', 'Failed dials to a Telegram DC.', ['dc'], (s, set) => byLabel(s.by.dcFailure, set));
  /** A gauge read from the proxy's replay-cache stats at scrape time; absent when the value is not known here. */
  const replayGauge = (name: string, help: string, read: (r: ReplayStats) => number | null) =>
    new Gauge({
      name: `${p}${name}`,
      help,
      registers,
      collect() {
        this.reset();
        const replay = proxy()?.replay;
        const value = replay ? read(replay) : null;
        if (value !== null) this.set(value);
      },
    });
  replayGauge('replay_window_seconds', 'How long a handshake is remembered against replay now (the oldest entry once the cache is full).', (r) => r.windowMs / 1000);
  replayGauge('replay_oldest_entry_age_seconds', 'Age of the oldest handshake the replay cache remembers.', (r) => (r.oldestAgeMs === null ? null : r.oldestAgeMs / 1000));
  replayGauge('replay_cache_entries', 'Handshakes the replay cache remembers now.', (r) => r.entries);
  replayGauge('replay_cache_capacity_entries', 'Handshakes the replay cache memory budget holds.', (r) => r.capacity);
  const securityEvents = new Counter({ name: `${p}security_events_total`, help: 'Security layer events by type and severity.', labelNames: ['type', 'severity'], registers });
  const clientHellos = ja4Counter(`${p}client_hellos_total`, registers);
  const reloads = new Counter({ name: `${p}config_reloads_total`, help: 'Config reloads by result.', labelNames: ['result'], registers });
  const counters = () => sources.securityCounters?.();
  new Counter({
    name: `${p}auth_attempts_total`,
    help: 'Admin API authentication attempts by result (proxy clients authenticate by handshake).',
    labelNames: ['result'],
    registers,
    collect() {
      const c = counters();
      this.reset();
      if (!c) return;
      this.labels('ok').inc(c.authAttempts.ok);
      this.labels('failed').inc(c.authAttempts.failed);
      this.labels('rate_limited').inc(c.authAttempts.rateLimited);
    },
  });
  new Counter({
    name: `${p}rate_limited_total`,
    help: 'Requests refused or slowed by a rate or connection limit: proxy clients and admin logins.',
    labelNames: ['scope'],
    registers,
    collect() {
      const c = counters();
      this.reset();
      if (!c) return;
      this.labels('proxy').inc(c.rateLimited);
      this.labels('admin_auth').inc(c.authAttempts.rateLimited);
    },
  });
  new Counter({
    name: `${p}policy_would_refuse_total`,
    help: 'Connections a monitor-mode rule would have refused, by source.',
    labelNames: ['source'],
    registers,
    collect() {
      const c = counters();
      this.reset();
      for (const [source, n] of Object.entries(c?.wouldRefuse ?? {})) this.labels(source).inc(n);
    },
  });
  new Counter({
    name: `${p}threats_total`,
    help: 'Threats the anomaly detector has raised.',
    registers,
    collect() {
      this.reset();
      this.inc(counters()?.threatsTotal ?? 0);
    },
  });
  new Counter({
    name: `${p}blocks_added_total`,
    help: 'Blocks added (API, anomaly detector, blocklist).',
    registers,
    collect() {
      this.reset();
      this.inc(counters()?.blocksAdded ?? 0);
    },
  });
  new Counter({
    name: `${p}blocks_evicted_total`,
    help: 'Runtime blocks evicted to keep the block list within its bound.',
    registers,
    collect() {
      this.reset();
      this.inc(counters()?.blocksEvicted ?? 0);
    },
  });
  new Counter({
    name: `${p}security_events_dropped_total`,
    help: 'Security events dropped by the per-second ceiling (each gap is one audit.events_dropped entry).',
    registers,
    collect() {
      this.reset();
      this.inc(counters()?.eventsDropped ?? 0);
    },
  });
  new Gauge({
    name: `${p}active_threats`,
    help: 'Threats the anomaly detector currently holds.',
    registers,
    collect() {
      this.set(counters()?.threatsActive ?? 0);
    },
  });
  new Gauge({
    name: `${p}kernel_info`,
    help: 'Kernel backend in use per algorithm (always 1).',
    labelNames: ['algorithm', 'backend'],
    registers,
    collect() {
      this.reset();
      for (const { algorithm, backend } of sources.kernelsInUse?.() ?? []) this.labels(algorithm, backend).set(1);
    },
  });
  new Counter({
    name: `${p}kernel_bytes_total`,
    help: 'Bytes through a kernel per algorithm, backend and direction (aes-256-cbc: the middle-proxy links; the AEAD suites: the relay tunnel, seal and open).',
    labelNames: ['algorithm', 'backend', 'direction'],
    registers,
    collect() {
      this.reset();
      for (const { algorithm, backend, direction, bytes } of sources.kernelBytes?.() ?? []) this.labels(algorithm, backend, direction).inc(bytes);
    },
  });
  if (sources.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: p });

  // Connection id → the label its active-gauge slot is counted under, so every close undoes exactly its open.
  const openConnections = new Map<number, string>();
  const release = (id: number) => {
    const label = openConnections.get(id);
    if (label === undefined) return;
    openConnections.delete(id);
    active.labels(label).dec();
  };

  const listeners: { [K in keyof MtShieldEvents]?: (...args: MtShieldEvents[K]) => void } = {
    'connection.accepted': (c) => {
      openConnections.set(c.id, PENDING_USER);
      active.labels(PENDING_USER).inc();
    },
    'connection.refused': (c) => release(c.id),
    'handshake.ok': (c) => {
      if (c.ja4 !== undefined) clientHellos.observe(c.ja4);
      handshakeSeconds.labels('ok').observe(c.durationMs / 1000);
      connectionsTotal.labels(c.user).inc();
      if (openConnections.get(c.id) === PENDING_USER) {
        active.labels(PENDING_USER).dec();
        openConnections.set(c.id, c.user);
        active.labels(c.user).inc();
      }
    },
    'handshake.failed': (c) => {
      if (c.ja4 !== undefined) clientHellos.observe(c.ja4);
      handshakeSeconds.labels('failed').observe(c.durationMs / 1000);
    },
    bytes: (c) => {
      if (c.fromClient > 0) bytes.labels(c.user, 'up').inc(c.fromClient);
      if (c.toClient > 0) bytes.labels(c.user, 'down').inc(c.toClient);
    },
    'connection.closed': (c) => release(c.id),
    'config.reloaded': (r) => reloads.labels(r.ok ? 'ok' : 'failed').inc(),
    'security.event': (e) => securityEvents.labels(e.type, e.severity).inc(),
  };
  const bus = sources.bus as unknown as { on(e: string, l: (...a: never[]) => void): void; off(e: string, l: (...a: never[]) => void): void };
  for (const [event, listener] of Object.entries(listeners)) bus.on(event, listener as (...a: never[]) => void);

  return {
    registry,
    contentType: registry.contentType,
    render: async (options) => {
      const text = await registry.metrics();
      return options?.userLabels === false ? withoutUserSeries(text) : text;
    },
    close() {
      for (const [event, listener] of Object.entries(listeners)) bus.off(event, listener as (...a: never[]) => void);
      registry.clear();
    },
  };
}

/**
 * Fake-TLS ClientHellos by JA4 fingerprint, valid or fronted (issue 15). Bounded: Ja4Labels keeps the 20
 * most frequent as their own label; a fingerprint that loses its label has its count folded into "other" at
 * the next scrape, so the exposition never holds more than 21 series and the total never goes down.
 */
function ja4Counter(name: string, registers: Registry[]): { observe(ja4: string): void } {
  const labels = new Ja4Labels(20);
  const counts = new Map<string, number>();
  new Counter({
    name,
    help: 'Fake-TLS ClientHellos by JA4 fingerprint (the 20 most frequent; the rest as "other").',
    labelNames: ['ja4'],
    registers,
    collect() {
      const live = new Set(labels.current());
      for (const [label, n] of counts) {
        if (label === Ja4Labels.OTHER || live.has(label)) continue;
        counts.delete(label);
        counts.set(Ja4Labels.OTHER, (counts.get(Ja4Labels.OTHER) ?? 0) + n);
      }
      this.reset();
      for (const [label, n] of counts) this.labels(label).inc(n);
    },
  });
  return {
    observe(ja4) {
      const label = labels.observe(ja4);
      counts.set(label, (counts.get(label) ?? 0) + 1);
    },
  };
}

/**
 * A sample line whose label set names a user (other label values are bounded enums, so none holds `user="`);
 * `_unidentified` (before the handshake) names no one and stays.
 */
const USER_SERIES = new RegExp(`^[a-zA-Z_:][a-zA-Z0-9_:]*\\{(?:[^}]*,)?user="(?!${PENDING_USER}")`);

/** The exposition without per-user samples; HELP/TYPE lines stay, so the families still exist. */
export function withoutUserSeries(text: string): string {
  return text
    .split('\n')
    .filter((line) => !USER_SERIES.test(line))
    .join('\n');
}
