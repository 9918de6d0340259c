/**
 * Proxy benchmark targets (issue 3, "Benchmark") and the plain-text table. Targets: at most 1.0 CPU-second
 * per GB relayed with ee secrets (fast mode off and on), at most 12 KiB of RSS per idle handshaken
 * connection, no RSS growth over the soak. A figure that could not be measured is a FAIL, not a gap.
 */
import type { ProxyBenchReport } from './run.js';

export interface ProxyTarget {
  id: string;
  description: string;
  status: 'PASS' | 'FAIL' | 'N/A';
  detail: string;
}

export const CPU_PER_GB_MAX = 1.0;
export const IDLE_BYTES_MAX = 12 * 1024;
/** Middle mode holds no DC socket per client (issue 12). */
export const MIDDLE_IDLE_BYTES_MAX = 6 * 1024;
/** Middle mode's CPU per admitted client, as a fraction of direct mode's in the same run (issue 12). */
export const MIDDLE_ADMIT_CPU_RATIO_MAX = 0.5;

const isMiddle = (s: { upstream?: string }) => s.upstream === 'middle';

export function evaluateProxyTargets(report: ProxyBenchReport, soakRequested: boolean): ProxyTarget[] {
  const targets: ProxyTarget[] = [];
  for (const s of report.scenarios.filter((x) => x.secret === 'ee' && !isMiddle(x))) {
    const t = s.throughput;
    const description = `ee, fast_mode=${s.fastMode}: <= ${CPU_PER_GB_MAX} proxy CPU-s per GB relayed`;
    if (!t) targets.push({ id: `cpu-per-gb-ee-fast-${s.fastMode}`, description, status: 'FAIL', detail: `not measured: ${s.errors.join('; ') || 'no result'}` });
    else
      targets.push({
        id: `cpu-per-gb-ee-fast-${s.fastMode}`,
        description,
        status: t.echoVerified && t.cpuSecondsPerGB <= CPU_PER_GB_MAX ? 'PASS' : 'FAIL',
        detail: `${t.cpuSecondsPerGB.toFixed(2)} CPU-s/GB at ${t.mbPerSec.toFixed(0)} MB/s${spread(t.rounds)}${t.echoVerified ? '' : ' (echo NOT verified)'}`,
      });
  }
  for (const s of report.scenarios) {
    const m = s.idleMemory;
    const max = isMiddle(s) ? MIDDLE_IDLE_BYTES_MAX : IDLE_BYTES_MAX;
    const where = isMiddle(s) ? 'middle mode' : `fast_mode=${s.fastMode}`;
    const description = `${s.secret}, ${where}: <= ${max / 1024} KiB RSS per idle handshaken connection`;
    const id = isMiddle(s) ? `idle-rss-${s.secret}-middle` : `idle-rss-${s.secret}-fast-${s.fastMode}`;
    if (!m) targets.push({ id, description, status: 'FAIL', detail: `not measured: ${s.errors.join('; ') || 'no result'}` });
    else
      targets.push({
        id,
        description,
        status: m.failed === 0 && m.bytesPerConnection <= max ? 'PASS' : 'FAIL',
        detail: `${(m.bytesPerConnection / 1024).toFixed(1)} KiB marginal (second ${m.connections} connections; first batch ${(m.firstBatchBytesPerConnection / 1024).toFixed(1)} KiB)${m.failed ? ` (${m.failed} failed or dropped)` : ''}`,
      });
  }
  targets.push(...middleAdmitTargets(report));
  const soak = report.soak;
  const soakDescription = 'no RSS growth over the soak (steady load + churn)';
  if (!soakRequested) targets.push({ id: 'soak-no-growth', description: soakDescription, status: 'N/A', detail: 'run with --soak [seconds]' });
  else if (!soak) targets.push({ id: 'soak-no-growth', description: soakDescription, status: 'FAIL', detail: 'soak did not complete' });
  else
    targets.push({
      id: 'soak-no-growth',
      description: soakDescription,
      status: !soak.grows && soak.echoVerified ? 'PASS' : 'FAIL',
      detail: `${mib(soak.earlyRssBytes)} → ${mib(soak.lateRssBytes)} over ${soak.seconds.toFixed(0)} s (${soak.churnConnections} churned connections${soak.echoVerified ? '' : ', echo NOT verified'})`,
    });
  return targets;
}

/** CPU per admitted client (1 / handshakes per CPU-s) in middle mode against direct mode, same secret, fast off. */
function middleAdmitTargets(report: ProxyBenchReport): ProxyTarget[] {
  const targets: ProxyTarget[] = [];
  for (const m of report.scenarios.filter(isMiddle)) {
    const d = report.scenarios.find((x) => !isMiddle(x) && x.secret === m.secret && !x.fastMode);
    const id = `admit-cpu-${m.secret}-middle`;
    const description = `${m.secret}: middle-mode CPU per admitted client <= ${MIDDLE_ADMIT_CPU_RATIO_MAX}x direct mode's (same run)`;
    if (!m.handshakes || !d?.handshakes) {
      targets.push({ id, description, status: 'FAIL', detail: `not measured: ${m.errors.join('; ') || 'no result'}` });
      continue;
    }
    const ratio = d.handshakes.handshakesPerCpuSecond / m.handshakes.handshakesPerCpuSecond;
    const perLink = m.clientsPerLink === undefined ? '' : `; ${m.clientsPerLink.toFixed(0)} idle clients per link`;
    targets.push({
      id,
      description,
      status: ratio <= MIDDLE_ADMIT_CPU_RATIO_MAX ? 'PASS' : 'FAIL',
      detail: `${ratio.toFixed(2)}x (${(1e3 / m.handshakes.handshakesPerCpuSecond).toFixed(2)} vs ${(1e3 / d.handshakes.handshakesPerCpuSecond).toFixed(2)} CPU-ms per client${perLink})`,
    });
  }
  return targets;
}

export function renderProxyTable(report: ProxyBenchReport, tolerance: { fraction: number; bytes: number }): string {
  const rows: string[][] = [['secret', 'fast', 'upstream', 'MB/s', 'proxy CPU', 'CPU-s/GB', 'hs/CPU-s', 'hs/s', 'KiB/idle conn', 'notes']];
  for (const s of report.scenarios) {
    rows.push([
      s.secret,
      s.fastMode ? 'on' : 'off',
      s.upstream ?? 'direct',
      s.throughput ? s.throughput.mbPerSec.toFixed(0) : '-',
      s.throughput ? `${(s.throughput.proxyCpuShare * 100).toFixed(0)}%` : '-',
      s.throughput ? s.throughput.cpuSecondsPerGB.toFixed(2) : '-',
      s.handshakes ? s.handshakes.handshakesPerCpuSecond.toFixed(0) : '-',
      s.handshakes ? s.handshakes.handshakesPerSecond.toFixed(0) : '-',
      s.idleMemory ? (s.idleMemory.bytesPerConnection / 1024).toFixed(1) : '-',
      [s.clientsPerLink !== undefined ? `${s.clientsPerLink.toFixed(0)} clients/link` : '', s.throughput && !s.throughput.echoVerified ? 'echo mismatch' : '', s.handshakes?.failed ? `${s.handshakes.failed} handshakes failed` : '', s.errors.length ? 'errors (see JSON)' : '']
        .filter(Boolean)
        .join(', '),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const k = report.settings.kernel === 'auto' ? "the registry's choice" : `forced ${report.settings.kernel}`;
  const lines = ['', `Proxy benchmark (${report.settings.connections} connections of 64 KiB frames, echo DC, all on 127.0.0.1; AES-256-CTR: ${k})`];
  lines.push(...rows.map((r) => r.map((c, i) => (i < 3 || i === 9 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()));
  for (const s of report.scenarios) for (const e of s.errors) lines.push(`  ${s.secret} fast=${s.fastMode} ${s.upstream ?? 'direct'}: ${e.split('\n')[0]}`);
  if (report.soak) {
    lines.push('', `Soak (${report.soak.secret}, fast_mode=${report.soak.fastMode}): RSS in MiB every sample`);
    lines.push('  ' + report.soak.samples.map((x) => `${x.seconds.toFixed(0)}s:${(x.rssBytes / 2 ** 20).toFixed(1)}`).join(' '));
    lines.push(`  growth threshold: late > early × ${1 + tolerance.fraction} + ${mib(tolerance.bytes)}`);
  }
  lines.push('', 'Targets:');
  for (const t of report.targets) lines.push(`  ${t.status.padEnd(4)} ${t.description}: ${t.detail}`);
  return lines.join('\n') + '\n';
}

/** "(median of 3 windows: 0.91–1.02)" when there was more than one window. */
function spread(rounds: readonly { cpuSecondsPerGB: number }[]): string {
  if (rounds.length < 2) return '';
  const figures = rounds.map((r) => r.cpuSecondsPerGB);
  return ` (median of ${rounds.length} windows: ${Math.min(...figures).toFixed(2)}–${Math.max(...figures).toFixed(2)})`;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
