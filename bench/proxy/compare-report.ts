/**
 * The peer mode's figures, targets and table (issue 17 "Targets", issue 11 item 2; docs/benchmarks.md,
 * "Peer mode"). Every figure keeps each run of each side, their median and worst, the ratio of medians
 * (mtshield / peer) and the ratio of each run paired with the peer's run of the same round, whose worst
 * decides the "in every run" targets. A target that fails, or could not be measured, is shown as FAIL.
 */
import type { PeerScenario, SideRun } from './compare.js';
import type { JunkKind } from './per-connection.js';
import { ratio, summarize, type Better, type RunSummary } from './stats.js';

/**
 * Which two sides a figure sets against each other: mtshield and the peer in direct mode, both in middle mode
 * (through the same echo middle proxy; issue 12: the peer in middle mode is the anchor to beat), and mtshield's
 * middle mode against its own direct mode in the same run (issue 12's per-client targets).
 */
export type FigureGroup = 'direct' | 'middle' | 'middle-vs-direct';

const upstreamOf = (r: SideRun) => r.upstream ?? 'direct';
const GROUPS: Record<FigureGroup, { ours(r: SideRun): boolean; theirs(r: SideRun): boolean; labels: [string, string]; idPrefix: string }> = {
  direct: { ours: (r) => r.side === 'mtshield' && upstreamOf(r) === 'direct', theirs: (r) => r.side === 'peer' && upstreamOf(r) === 'direct', labels: ['mtshield', 'peer'], idPrefix: '' },
  middle: { ours: (r) => r.side === 'mtshield' && upstreamOf(r) === 'middle', theirs: (r) => r.side === 'peer' && upstreamOf(r) === 'middle', labels: ['mtshield middle', 'peer middle'], idPrefix: 'middle:' },
  'middle-vs-direct': {
    ours: (r) => r.side === 'mtshield' && upstreamOf(r) === 'middle',
    theirs: (r) => r.side === 'mtshield' && upstreamOf(r) === 'direct',
    labels: ['mtshield middle', 'mtshield direct'],
    idPrefix: 'middle-vs-direct:',
  },
};
/** Scenarios about the handshake alone: measured once, in direct mode. */
const HANDSHAKE_ONLY: readonly PeerScenario[] = ['junk', 'flood'];

export interface PeerFigure {
  /** Absent: 'direct' (mtshield against the peer, both direct). */
  group?: FigureGroup;
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
  /** Only in middle mode (clients per link). */
  middleOnly?: true;
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
  { id: 'clients-per-link', middleOnly: true, scenario: 'idle', description: 'idle clients per link to the middle proxy (peak)', unit: 'clients', better: 'higher', get: (r) => r.clientsPerLink },
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

/** The figures of one group ('direct' by default): for each, both sides' runs, medians, worst and ratios. */
export function peerFigures(runs: readonly SideRun[], scenarios: readonly PeerScenario[], group: FigureGroup = 'direct'): PeerFigure[] {
  const pair = GROUPS[group];
  const byRun = (a: SideRun, b: SideRun) => a.run - b.run;
  const ours = runs.filter(pair.ours).sort(byRun);
  const theirs = runs.filter(pair.theirs).sort(byRun);
  const wanted = FIGURES.filter(
    (f) => scenarios.includes(f.scenario) && (group === 'direct' ? !f.middleOnly : !HANDSHAKE_ONLY.includes(f.scenario)) && !(group === 'middle-vs-direct' && f.middleOnly),
  );
  return wanted.map((f) => {
    const value = (r: SideRun) => f.get(r) ?? Number.NaN;
    const figure: PeerFigure = { id: pair.idPrefix + f.id, description: f.description, unit: f.unit, better: f.better, mtshield: summarize(ours.map(value), f.better) };
    if (group !== 'direct') figure.group = group;
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
  targets.push(...middleTargets(byId));
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

/** Middle mode (issue 12): at most 6 KiB per idle client, CPU per admitted client at most 0.5x direct mode's in the same run, and the peer in middle mode beaten. */
export const MIDDLE_IDLE_KIB_MAX = 6;
export const MIDDLE_ADMISSION_VS_DIRECT_MAX = 0.5;

function middleTargets(byId: ReadonlyMap<string, PeerFigure>): PeerTarget[] {
  const targets: PeerTarget[] = [];
  const check = (id: string, figureId: string, max: number, description: string, ratioOf: boolean) => {
    const f = byId.get(figureId);
    if (!f) return;
    const [ours, theirs] = GROUPS[f.group ?? 'direct'].labels;
    const value = ratioOf ? f.ratio : f.mtshield.median;
    if (value === undefined || !f.peer && ratioOf) {
      targets.push({ id, description, status: 'N/A', detail: `${theirs} not measured; ${ours} ${show(f.mtshield, f.unit)}` });
      return;
    }
    const other = f.peer ? `; ${theirs} ${show(f.peer, f.unit)}` : '';
    const head = ratioOf ? `${fmt(value)}x (worst run ${fmt(f.worstRatio ?? Number.NaN)}x): ` : '';
    targets.push({ id, description, status: Number.isFinite(value) && value <= max ? 'PASS' : 'FAIL', detail: `${head}${ours} ${show(f.mtshield, f.unit)}${other}` });
  };
  check('middle-idle-kib', 'middle:idle-kib', MIDDLE_IDLE_KIB_MAX, `middle mode: RSS per idle ee client <= ${MIDDLE_IDLE_KIB_MAX} KiB`, false);
  check('middle-admission-vs-direct', 'middle-vs-direct:admission-cpu-ms', MIDDLE_ADMISSION_VS_DIRECT_MAX, `middle mode: CPU per admitted ee client <= ${MIDDLE_ADMISSION_VS_DIRECT_MAX}x direct mode's`, true);
  check('middle-admission-vs-peer', 'middle:admission-cpu-ms', 1, 'middle mode: CPU per admitted ee client <= 1x the peer in middle mode', true);
  check('middle-cpu-per-gb-ee-vs-peer', 'middle:cpu-per-gb-ee', 1, 'middle mode: CPU-s per GB, ee, <= 1x the peer in middle mode', true);
  check('middle-cpu-per-gb-dd-vs-peer', 'middle:cpu-per-gb-dd', 1, 'middle mode: CPU-s per GB, dd, <= 1x the peer in middle mode', true);
  check('middle-idle-kib-vs-peer', 'middle:idle-kib', 1, 'middle mode: RSS per idle ee client <= 1x the peer in middle mode', true);
  return targets;
}

export function renderPeerTable(report: {
  figures: readonly PeerFigure[];
  targets: readonly PeerTarget[];
  peer: { measured: boolean; reason?: string; version?: string };
  order: readonly string[][];
  runs: readonly SideRun[];
}): string {
  const rows: string[][] = [];
  let group: FigureGroup | undefined;
  for (const f of report.figures) {
    if ((f.group ?? 'direct') !== group) {
      group = f.group ?? 'direct';
      const [ours, theirs] = GROUPS[group].labels;
      rows.push(['figure', 'unit', `${ours} median`, 'worst', `${theirs} median`, 'worst', 'ratio', 'worst run']);
    }
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
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const modes = report.runs.some((r) => upstreamOf(r) === 'middle') ? 'direct and middle mode (USE_MIDDLE_PROXY, through the echo middle proxy)' : 'direct mode';
  const peerLine = report.peer.measured ? `peer: alexbers/mtprotoproxy, ${modes}, FAST_MODE off (${report.peer.version ?? 'python'})` : `peer: ${report.peer.reason}`;
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
