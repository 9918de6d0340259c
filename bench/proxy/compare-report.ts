/**
 * The peer mode's figures, targets and table (issue 17 "Targets", issue 11 item 2; docs/benchmarks.md,
 * "Peer mode"). Every figure keeps each run of each side, their median and worst, the ratio of medians
 * (mtshield / peer) and the ratio of each run paired with the peer's run of the same round, whose worst
 * decides the "in every run" targets. A target that fails, or could not be measured, is shown as FAIL.
 */
import type { PeerScenario, SideName, SideRun } from './compare.js';
import type { JunkKind } from './per-connection.js';
import { ratio, summarize, type Better, type RunSummary } from './stats.js';

export interface PeerFigure {
  id: string;
  description: string;
  unit: string;
  better: Better;
  mtshield: RunSummary;
  peer?: RunSummary;
  /** mtshield's median over the peer's median. */
  ratio?: number;
  /** mtshield's run over the peer's run of the same round, per round. */
  pairedRatios?: number[];
  /** The worst of the paired ratios (the highest for a lower-is-better figure). */
  worstRatio?: number;
}

export interface PeerTarget {
  id: string;
  description: string;
  status: 'PASS' | 'FAIL' | 'N/A';
  detail: string;
}

interface FigureDef {
  id: string;
  scenario: PeerScenario;
  description: string;
  unit: string;
  better: Better;
  get(run: SideRun): number | undefined;
}

/** Junk hellos from one address, or from many (the default figure: each hello gets a full key search). */
const junkCost = (kind: JunkKind, users: number, oneSource = false) => (r: SideRun) =>
  r.junk.find((j) => j.kind === kind && j.users === users && (j.sources === 1) === oneSource)?.cpuMsPerHello;

export const FIGURES: readonly FigureDef[] = [
  { id: 'admission-cpu-ms', scenario: 'admission', description: 'CPU per admitted ee client (handshake, DC dial, first round trip)', unit: 'ms', better: 'lower', get: (r) => r.admission?.cpuMsPerClient },
  { id: 'admission-warm-cpu-ms', scenario: 'admission', description: 'CPU per admitted ee client, warm (the next clients in the same process)', unit: 'ms', better: 'lower', get: (r) => r.admissionWarm?.cpuMsPerClient },
  { id: 'rtt-added-p50-us', scenario: 'rtt', description: '100 B round trip added to the direct one, p50', unit: 'µs', better: 'lower', get: (r) => r.latency?.addedP50Us },
  { id: 'rtt-added-p99-us', scenario: 'rtt', description: '100 B round trip added to the direct one, p99', unit: 'µs', better: 'lower', get: (r) => r.latency?.addedP99Us },
  { id: 'cpu-per-gb-ee', scenario: 'throughput', description: 'CPU-s per GB relayed, ee', unit: 'CPU-s/GB', better: 'lower', get: (r) => r.throughput.ee?.cpuSecondsPerGB },
  { id: 'cpu-per-gb-dd', scenario: 'throughput', description: 'CPU-s per GB relayed, dd', unit: 'CPU-s/GB', better: 'lower', get: (r) => r.throughput.dd?.cpuSecondsPerGB },
  { id: 'mb-per-s-ee', scenario: 'throughput', description: 'MB/s relayed, ee', unit: 'MB/s', better: 'higher', get: (r) => r.throughput.ee?.mbPerSec },
  { id: 'mb-per-s-dd', scenario: 'throughput', description: 'MB/s relayed, dd', unit: 'MB/s', better: 'higher', get: (r) => r.throughput.dd?.mbPerSec },
  { id: 'idle-kib', scenario: 'idle', description: 'RSS per idle ee connection (marginal)', unit: 'KiB', better: 'lower', get: (r) => (r.idle ? r.idle.bytesPerConnection / 1024 : undefined) },
  { id: 'idle-handshakes-per-s', scenario: 'idle', description: 'handshake rate while opening the idle connections', unit: '/s', better: 'higher', get: (r) => r.idle?.handshakesPerSecond },
  { id: 'junk-faketls-10', scenario: 'junk', description: 'junk fake-TLS hello (right SNI, wrong key, 64 sources), 10 users', unit: 'CPU-ms', better: 'lower', get: junkCost('faketls', 10) },
  { id: 'junk-faketls-2000', scenario: 'junk', description: 'junk fake-TLS hello (right SNI, wrong key, 64 sources), 2000 users', unit: 'CPU-ms', better: 'lower', get: junkCost('faketls', 2000) },
  { id: 'junk-obfuscated2-10', scenario: 'junk', description: 'junk obfuscated2 header (64 random bytes, 64 sources), 10 users', unit: 'CPU-ms', better: 'lower', get: junkCost('obfuscated2', 10) },
  { id: 'junk-obfuscated2-2000', scenario: 'junk', description: 'junk obfuscated2 header (64 random bytes, 64 sources), 2000 users', unit: 'CPU-ms', better: 'lower', get: junkCost('obfuscated2', 2000) },
  { id: 'junk-faketls-10-one-source', scenario: 'junk', description: 'junk fake-TLS hello, one source, 10 users', unit: 'CPU-ms', better: 'lower', get: junkCost('faketls', 10, true) },
  { id: 'junk-faketls-2000-one-source', scenario: 'junk', description: 'junk fake-TLS hello, one source, 2000 users', unit: 'CPU-ms', better: 'lower', get: junkCost('faketls', 2000, true) },
  { id: 'junk-obfuscated2-10-one-source', scenario: 'junk', description: 'junk obfuscated2 header, one source, 10 users', unit: 'CPU-ms', better: 'lower', get: junkCost('obfuscated2', 10, true) },
  { id: 'junk-obfuscated2-2000-one-source', scenario: 'junk', description: 'junk obfuscated2 header, one source, 2000 users', unit: 'CPU-ms', better: 'lower', get: junkCost('obfuscated2', 2000, true) },
  { id: 'quiet-rtt-added-p50-us', scenario: 'flood', description: 'round trip added just before the flood (no flood), p50', unit: 'µs', better: 'lower', get: (r) => r.flood?.quiet.addedP50Us },
  { id: 'quiet-rtt-added-p99-us', scenario: 'flood', description: 'round trip added just before the flood (no flood), p99', unit: 'µs', better: 'lower', get: (r) => r.flood?.quiet.addedP99Us },
  { id: 'quiet-rtt-p50-us', scenario: 'flood', description: 'round trip through the proxy, no flood, p50', unit: 'µs', better: 'lower', get: (r) => r.flood?.quiet.proxiedP50Us },
  { id: 'quiet-rtt-p99-us', scenario: 'flood', description: 'round trip through the proxy, no flood, p99', unit: 'µs', better: 'lower', get: (r) => r.flood?.quiet.proxiedP99Us },
  { id: 'flood-rtt-p50-us', scenario: 'flood', description: 'round trip through the proxy during the flood, p50', unit: 'µs', better: 'lower', get: (r) => r.flood?.proxiedP50Us },
  { id: 'flood-rtt-p99-us', scenario: 'flood', description: 'round trip through the proxy during the flood, p99', unit: 'µs', better: 'lower', get: (r) => r.flood?.proxiedP99Us },
  { id: 'flood-rtt-added-p50-us', scenario: 'flood', description: 'round trip added during a junk-hello flood from 64 addresses, p50', unit: 'µs', better: 'lower', get: (r) => r.flood?.addedP50Us },
  { id: 'flood-rtt-added-p99-us', scenario: 'flood', description: 'round trip added during a junk-hello flood from 64 addresses, p99', unit: 'µs', better: 'lower', get: (r) => r.flood?.addedP99Us },
  { id: 'flood-hellos-per-s', scenario: 'flood', description: 'junk hellos the flood got through per second', unit: '/s', better: 'higher', get: (r) => r.flood?.hellosPerSecond },
];

export function peerFigures(runs: readonly SideRun[], scenarios: readonly PeerScenario[]): PeerFigure[] {
  const bySide = (side: SideName) => runs.filter((r) => r.side === side).sort((a, b) => a.run - b.run);
  const ours = bySide('mtshield');
  const theirs = bySide('peer');
  return FIGURES.filter((f) => scenarios.includes(f.scenario)).map((f) => {
    const value = (r: SideRun) => f.get(r) ?? Number.NaN;
    const figure: PeerFigure = { id: f.id, description: f.description, unit: f.unit, better: f.better, mtshield: summarize(ours.map(value), f.better) };
    if (theirs.length > 0) {
      figure.peer = summarize(theirs.map(value), f.better);
      figure.ratio = ratio(figure.mtshield.median, figure.peer.median);
      figure.pairedRatios = ours.map((r) => {
        const other = theirs.find((t) => t.run === r.run);
        return other ? ratio(value(r), value(other)) : Number.NaN;
      });
      const finite = figure.pairedRatios.filter((x) => !Number.isNaN(x));
      figure.worstRatio = finite.length === 0 ? Number.NaN : f.better === 'lower' ? Math.max(...finite) : Math.min(...finite);
    }
    return figure;
  });
}

/** Issue 17's targets and issue 11's junk-hello bound, for the figures that were measured. */
export function evaluatePeerTargets(figures: readonly PeerFigure[], peerMeasured: boolean): PeerTarget[] {
  const byId = new Map(figures.map((f) => [f.id, f]));
  const targets: PeerTarget[] = [];
  const vsPeer = (id: string, figureId: string, max: number, everyRun: boolean, what: string) => {
    const f = byId.get(figureId);
    if (!f) return;
    const description = `${what} <= ${max}x the peer${everyRun ? ' in every run' : ''}`;
    if (!peerMeasured || !f.peer) {
      targets.push({ id, description, status: 'N/A', detail: `peer not measured; mtshield ${show(f.mtshield, f.unit)}` });
      return;
    }
    const decisive = everyRun ? f.worstRatio! : f.ratio!;
    targets.push({
      id,
      description,
      status: Number.isFinite(decisive) && decisive <= max ? 'PASS' : 'FAIL',
      detail: `${fmt(f.ratio!)}x (worst run ${fmt(f.worstRatio!)}x): mtshield ${show(f.mtshield, f.unit)}, peer ${show(f.peer, f.unit)}`,
    });
  };
  const atMost = (id: string, figureId: string, max: number, what: string) => {
    const f = byId.get(figureId);
    if (!f) return;
    const v = f.mtshield.median;
    const peer = f.peer ? `; peer ${show(f.peer, f.unit)}` : '';
    targets.push({ id, description: `${what} <= ${max} ${f.unit}`, status: Number.isFinite(v) && v <= max ? 'PASS' : 'FAIL', detail: `mtshield ${show(f.mtshield, f.unit)}${peer}` });
  };
  vsPeer('admission-vs-peer', 'admission-cpu-ms', 0.5, false, 'CPU per admitted ee client');
  vsPeer('admission-warm-vs-peer', 'admission-warm-cpu-ms', 0.5, false, 'CPU per admitted ee client, warm,');
  atMost('rtt-added-p50', 'rtt-added-p50-us', 100, 'round trip added, p50,');
  atMost('rtt-added-p99', 'rtt-added-p99-us', 300, 'round trip added, p99,');
  vsPeer('cpu-per-gb-ee-vs-peer', 'cpu-per-gb-ee', 0.5, true, 'CPU-s per GB, ee,');
  vsPeer('cpu-per-gb-dd-vs-peer', 'cpu-per-gb-dd', 0.7, true, 'CPU-s per GB, dd,');
  vsPeer('idle-kib-vs-peer', 'idle-kib', 0.5, false, 'RSS per idle ee connection');
  for (const [suffix, from] of [['', '64 sources'], ['-one-source', 'one source']] as const) {
    for (const kind of ['faketls', 'obfuscated2'] as const) {
      const target = junkGrowth(byId, kind, suffix, from);
      if (target) targets.push(target);
    }
  }
  return targets;
}

/** Issue 11 item 2: a junk hello at 2000 users costs at most 1.5x what it costs at 10 (the peer's growth shown too). */
function junkGrowth(byId: ReadonlyMap<string, PeerFigure>, kind: JunkKind, suffix: string, from: string): PeerTarget | undefined {
  const few = byId.get(`junk-${kind}-10${suffix}`);
  const many = byId.get(`junk-${kind}-2000${suffix}`);
  if (!few || !many) return undefined;
  const growth = ratio(many.mtshield.median, few.mtshield.median);
  const peerGrowth = few.peer && many.peer ? `; peer ${fmt(ratio(many.peer.median, few.peer.median))}x (${fmt(few.peer.median)} → ${fmt(many.peer.median)} CPU-ms)` : '';
  return {
    id: `junk-${kind}-growth${suffix}`,
    description: `junk ${kind} hello from ${from} at 2000 users <= 1.5x its cost at 10 users`,
    status: Number.isFinite(growth) && growth <= 1.5 ? 'PASS' : 'FAIL',
    detail: `${fmt(growth)}x: ${fmt(few.mtshield.median)} → ${fmt(many.mtshield.median)} CPU-ms per hello (median of ${few.mtshield.runs.length} runs)${peerGrowth}`,
  };
}

export function renderPeerTable(report: {
  figures: readonly PeerFigure[];
  targets: readonly PeerTarget[];
  peer: { measured: boolean; reason?: string; version?: string };
  order: readonly SideName[][];
  runs: readonly SideRun[];
}): string {
  const rows: string[][] = [['figure', 'unit', 'mtshield median', 'worst', 'peer median', 'worst', 'ratio', 'worst run']];
  for (const f of report.figures) {
    rows.push([
      f.description,
      f.unit,
      fmt(f.mtshield.median),
      fmt(f.mtshield.worst),
      f.peer ? fmt(f.peer.median) : '-',
      f.peer ? fmt(f.peer.worst) : '-',
      f.ratio !== undefined ? `${fmt(f.ratio)}x` : '-',
      f.worstRatio !== undefined ? `${fmt(f.worstRatio)}x` : '-',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const peerLine = report.peer.measured ? `peer: alexbers/mtprotoproxy, direct mode, FAST_MODE off (${report.peer.version ?? 'python'})` : `peer: ${report.peer.reason}`;
  const lines = ['', `Proxy benchmark, peer mode (${report.order.length} runs, sides alternating: ${report.order.map((o) => o.join('→')).join(', ')})`, peerLine];
  lines.push(...rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()));
  for (const r of report.runs) for (const e of r.errors) lines.push(`  ${r.side} run ${r.run + 1}: ${e.split('\n')[0]}`);
  lines.push('', 'Targets:');
  for (const t of report.targets) lines.push(`  ${t.status.padEnd(4)} ${t.description}: ${t.detail}`);
  return lines.join('\n') + '\n';
}

function show(s: RunSummary, unit: string): string {
  return `${fmt(s.median)} ${unit} (worst ${fmt(s.worst)})`;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
}
