/**
 * `auditSecurity()`: a point-in-time review of the configuration and of what the detector saw, as JSON and
 * as plain text. Checks: expired and soon-expiring user secrets and admin tokens, users with no limits,
 * plain / dd secrets still enabled, policy rules left in monitor (or off), kernel backends whose self-tests
 * failed, a clock-skew signal (fake-TLS `stale_time` failures: the clients' clocks disagree with ours) and the
 * top failing sources.
 */
import type { Severity } from '../../events.js';
import type { LimitsConfig, PolicyRules } from '../../config/index.js';
import { levelName } from '../credentials/levels.js';
import type { RotatableUsers } from '../credentials/rotation.js';
import type { TokenRecord } from '../credentials/tokens.js';

export interface ReportFinding {
  check: string;
  severity: Severity;
  message: string;
  subject?: string;
}

export interface SecurityReport {
  generatedAt: string;
  findings: ReportFinding[];
  counts: Record<Severity, number>;
  policies: Record<string, string>;
  topFailingSources: { ip: string; failures: number }[];
  activeThreats: number;
  blocks: number;
  text: string;
}

/** The kernel registry's status, as far as this report reads it (src/kernels/types.ts KernelStatus). */
export interface KernelStatusLike {
  backends?: { name: string; algorithms?: Record<string, { state: string; detail?: string }> }[];
}

export interface ReportInput {
  now: number;
  soonMs: number;
  users: ReturnType<RotatableUsers['list']>;
  tokens: TokenRecord[];
  policies: PolicyRules;
  limits: LimitsConfig;
  kernels?: KernelStatusLike;
  staleTimeFailures: number;
  topFailingSources: { ip: string; failures: number }[];
  activeThreats: number;
  blocks: number;
}

const DAY = 86_400_000;

function expiryFinding(kind: string, name: string, expiresAt: number | undefined, now: number, soonMs: number): ReportFinding | undefined {
  if (expiresAt === undefined) return undefined;
  if (expiresAt <= now) return { check: `${kind}.expired`, severity: 'medium', subject: name, message: `${kind} "${name}" expired ${new Date(expiresAt).toISOString()}` };
  if (expiresAt - now <= soonMs) {
    return { check: `${kind}.expiring`, severity: 'low', subject: name, message: `${kind} "${name}" expires in ${Math.ceil((expiresAt - now) / DAY)} day(s)` };
  }
  return undefined;
}

export function buildReport(input: ReportInput): SecurityReport {
  const findings: ReportFinding[] = [];
  const push = (f: ReportFinding | undefined) => f && findings.push(f);

  for (const user of input.users) {
    push(expiryFinding('user', user.name, user.expiresAt, input.now, input.soonMs));
    const own = input.limits.users[user.name];
    const limited =
      user.maxConnections !== undefined || user.quotaBytes !== undefined || own !== undefined ||
      input.limits.perUser.maxConnections > 0 || input.limits.perUser.bandwidthBytes !== undefined;
    if (!limited) push({ check: 'user.no_limits', severity: 'low', subject: user.name, message: `user "${user.name}" has no connection, quota or bandwidth limit` });
    if (user.mode !== 'ee' && input.policies.require_fake_tls.mode !== 'enforce') {
      push({ check: 'user.plain_secret', severity: 'medium', subject: user.name, message: `user "${user.name}" has a ${user.mode} secret (detectable without fake TLS)` });
    }
  }
  for (const token of input.tokens) {
    if (token.revoked) continue;
    push(expiryFinding('token', token.name, token.expiresAt, input.now, input.soonMs));
    if (token.expiresAt === undefined) push({ check: 'token.no_expiry', severity: 'low', subject: token.name, message: `admin token "${token.name}" (${levelName(token.level)}) never expires` });
  }
  const policies: Record<string, string> = {};
  for (const [name, rule] of Object.entries(input.policies)) {
    policies[name] = rule.mode;
    if (rule.mode === 'monitor') push({ check: 'policy.monitor', severity: 'info', subject: name, message: `policy rule ${name} is in monitor mode (reports, does not enforce)` });
    if (rule.mode === 'off') push({ check: 'policy.off', severity: 'low', subject: name, message: `policy rule ${name} is off` });
  }
  for (const backend of input.kernels?.backends ?? []) {
    for (const [alg, result] of Object.entries(backend.algorithms ?? {})) {
      if (result.state === 'failed') {
        push({ check: 'kernel.self_test_failed', severity: 'high', subject: `${backend.name}/${alg}`, message: `kernel ${alg} on ${backend.name} failed its self-test${result.detail ? `: ${result.detail}` : ''}` });
      }
    }
  }
  if (input.staleTimeFailures > 0) {
    push({ check: 'clock.skew', severity: input.staleTimeFailures >= 10 ? 'medium' : 'low', message: `${input.staleTimeFailures} fake-TLS handshakes failed on their timestamp: check this host's clock (NTP)` });
  }
  for (const source of input.topFailingSources.slice(0, 5)) {
    if (source.failures >= 10) push({ check: 'source.failing', severity: 'info', subject: source.ip, message: `${source.ip}: ${source.failures} failed handshakes` });
  }

  const counts: Record<Severity, number> = { info: 0, low: 0, medium: 0, high: 0, critical: 0 };
  for (const f of findings) counts[f.severity]++;
  const report: Omit<SecurityReport, 'text'> = {
    generatedAt: new Date(input.now).toISOString(),
    findings,
    counts,
    policies,
    topFailingSources: input.topFailingSources,
    activeThreats: input.activeThreats,
    blocks: input.blocks,
  };
  return { ...report, text: renderText(report) };
}

const ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export function renderText(report: Omit<SecurityReport, 'text'>): string {
  const lines = [
    `mtshield security audit — ${report.generatedAt}`,
    `findings: ${ORDER.map((s) => `${report.counts[s]} ${s}`).join(', ')}`,
    `active threats: ${report.activeThreats}; blocks: ${report.blocks}`,
    `policies: ${Object.entries(report.policies).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    '',
  ];
  const sorted = [...report.findings].sort((a, b) => ORDER.indexOf(a.severity) - ORDER.indexOf(b.severity));
  for (const f of sorted) lines.push(`[${f.severity.toUpperCase()}] ${f.check}: ${f.message}`);
  if (sorted.length === 0) lines.push('no findings');
  if (report.topFailingSources.length > 0) {
    lines.push('', 'top failing sources:');
    for (const s of report.topFailingSources) lines.push(`  ${s.ip}  ${s.failures}`);
  }
  return lines.join('\n') + '\n';
}
