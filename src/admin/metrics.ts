/**
 * Prometheus metrics (text exposition format 0.0.4, https://prometheus.io/docs/instrumenting/exposition_formats/)
 * via prom-client on a Registry of our own, every name prefixed `mtshield_`, counters ending `_total`, base
 * units (`_bytes`, `_seconds`), build facts in `mtshield_build_info`. Fed from the EventBus (src/events.ts)
 * and, at scrape time, from the security layer's counter snapshot (the same one /api/v1/stats reads) and the
 * kernel registry (kernel in use).
 * Labels come from bounded sets only: user names from the operator's config, reasons from enums — never a
 * client IP and never a secret. User names are operator data: `render({ userLabels: false })` leaves out every
 * series labelled with a user (the server does so for scrapes without a token, unless the operator opted in).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventBus, MtShieldEvents } from '../events.js';

export interface MetricsSources {
  bus: EventBus;
  version: string;
  /** Backend in use per algorithm, read at scrape time. */
  kernelsInUse?: () => { algorithm: string; backend: string }[];
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
  const accepted = new Counter({ name: `${p}connections_accepted_total`, help: 'TCP connections accepted by the proxy listener.', registers });
  const bytes = new Counter({ name: `${p}traffic_bytes_total`, help: 'Relayed payload bytes by user and direction (up = client to DC).', labelNames: ['user', 'direction'], registers });
  const handshakes = new Counter({ name: `${p}handshakes_total`, help: 'Handshakes by result and failure reason.', labelNames: ['result', 'reason'], registers });
  const handshakeSeconds = new Histogram({
    name: `${p}handshake_duration_seconds`,
    help: 'Time from accept to handshake outcome.',
    labelNames: ['result'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const encrypted = new Counter({ name: `${p}packets_encrypted_total`, help: 'Chunks passed through an encrypting cipher by the relay.', registers });
  const decrypted = new Counter({ name: `${p}packets_decrypted_total`, help: 'Chunks passed through a decrypting cipher by the relay.', registers });
  const blocked = new Counter({ name: `${p}connections_blocked_total`, help: 'Connections refused before relaying, by what refused them.', labelNames: ['reason'], registers });
  const userRefused = new Counter({ name: `${p}user_refusals_total`, help: 'Identified users refused, by reason.', labelNames: ['reason'], registers });
  const replays = new Counter({ name: `${p}replays_detected_total`, help: 'Replayed handshakes detected.', labelNames: ['kind'], registers });
  const dcFailures = new Counter({ name: `${p}dc_connect_failures_total`, help: 'Failed dials to a Telegram DC.', labelNames: ['dc'], registers });
  const securityEvents = new Counter({ name: `${p}security_events_total`, help: 'Security layer events by type and severity.', labelNames: ['type', 'severity'], registers });
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
      accepted.inc();
      openConnections.set(c.id, PENDING_USER);
      active.labels(PENDING_USER).inc();
    },
    'connection.refused': (c) => {
      blocked.labels(c.by).inc();
      release(c.id);
    },
    'handshake.ok': (c) => {
      handshakes.labels('ok', '').inc();
      handshakeSeconds.labels('ok').observe(c.durationMs / 1000);
      connectionsTotal.labels(c.user).inc();
      if (openConnections.get(c.id) === PENDING_USER) {
        active.labels(PENDING_USER).dec();
        openConnections.set(c.id, c.user);
        active.labels(c.user).inc();
      }
    },
    'handshake.failed': (c) => {
      handshakes.labels('failed', c.reason).inc();
      handshakeSeconds.labels('failed').observe(c.durationMs / 1000);
    },
    'replay.detected': (c) => replays.labels(c.kind).inc(),
    'user.refused': (c) => userRefused.labels(c.reason).inc(),
    'dc.failed': (c) => dcFailures.labels(String(c.dc)).inc(),
    bytes: (c) => {
      if (c.fromClient > 0) bytes.labels(c.user, 'up').inc(c.fromClient);
      if (c.toClient > 0) bytes.labels(c.user, 'down').inc(c.toClient);
    },
    'connection.closed': (c) => release(c.id),
    packets: (p2) => {
      if (p2.encrypted > 0) encrypted.inc(p2.encrypted);
      if (p2.decrypted > 0) decrypted.inc(p2.decrypted);
    },
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
