/**
 * The admin plane's own audit findings, merged into audit_security(): an API reachable beyond loopback
 * without TLS (the `allow_insecure_remote` override), allow lists that admit every address, no tokens.
 */
import type { Severity } from '../events.js';
import { renderText, type ReportFinding, type SecurityReport } from '../security/audit/report.js';
import type { AdminConfig } from '../config/index.js';
import { isLoopbackHost, parseListen } from './net.js';

export interface AdminFinding {
  check: string;
  severity: Severity;
  message: string;
}

/** What the admin plane's own settings add to audit_security(): remote exposure and wide allow lists. */
export function adminFindings(admin: AdminConfig): AdminFinding[] {
  const findings: AdminFinding[] = [];
  let remote = false;
  if (admin.listen === 'off') return findings;
  try {
    remote = !isLoopbackHost(parseListen(admin.listen).host);
  } catch {
    findings.push({ severity: 'high', check: 'admin.listen', message: `admin.listen "${admin.listen}" does not parse` });
  }
  if (remote && !admin.tls && admin.allowInsecureRemote) {
    findings.push({ severity: 'high', check: 'admin.allow_insecure_remote', message: `admin API on ${admin.listen} without TLS (allow_insecure_remote = true): tokens cross the network in clear text` });
  } else if (remote) {
    findings.push({ severity: 'info', check: 'admin.listen', message: `admin API reachable on ${admin.listen} over TLS` });
  }
  if (admin.allow.some((cidr) => /^(0\.0\.0\.0\/0|::\/0)$/.test(cidr.trim()))) {
    findings.push({ severity: remote ? 'medium' : 'low', check: 'admin.allow', message: 'admin.allow admits every address' });
  }
  if (admin.tokens.length === 0) {
    findings.push({ severity: 'info', check: 'admin.tokens', message: 'no [[admin.tokens]] configured: /api/v1 answers 401 to everyone' });
  }
  return findings;
}

/** audit_security() with the admin findings merged in (for `mtshield audit` and POST /api/v1/audit/run). */
export function withAdminFindings(report: SecurityReport, admin: AdminConfig): SecurityReport {
  const extra: ReportFinding[] = adminFindings(admin);
  const findings = [...report.findings, ...extra];
  const counts = { ...report.counts };
  for (const finding of extra) counts[finding.severity]++;
  const merged = { ...report, findings, counts };
  return { ...merged, text: renderText(merged) };
}
