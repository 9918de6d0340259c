/**
 * The body of `mtshield audit [--config FILE] [--json] [--fail-on SEVERITY]`: builds the security layer over a
 * config without timers, runs audit_security() with the admin plane's own findings merged in, prints it.
 */
import pino from 'pino';
import { buildConfig, loadConfigFile } from '../../config/index.js';
import type { MtShieldConfig } from '../../config/types.js';
import { EventBus } from '../../events.js';
import { loadKernels } from '../../kernels/index.js';
import { createSecurityLayer, type SecurityReport } from '../../security/index.js';
import { withAdminFindings } from '../../admin/findings.js';
import { SEVERITIES, type Severity } from '../../vocabulary/index.js';

/** Runs the report over a config file (or the built-in defaults); returns the process exit code. */
export async function runAuditReport(options: { config?: string; json?: boolean; failOn?: string }): Promise<number> {
  if (options.failOn !== undefined && !SEVERITIES.includes(options.failOn as Severity)) {
    console.error(`mtshield audit: --fail-on must be one of ${SEVERITIES.join(' | ')}`);
    return 2;
  }
  let config: MtShieldConfig;
  try {
    config = options.config ? loadConfigFile(options.config) : buildConfig({}, 'defaults');
  } catch (err) {
    console.error(`mtshield audit: ${(err as Error).message}`);
    return 2;
  }
  const quiet = pino({ level: 'silent' });
  const security = await createSecurityLayer({ config, bus: new EventBus(), logger: quiet, timers: false });
  try {
    try {
      security.attach({ kernels: await loadKernels({ calibrate: false, logger: quiet }) });
    } catch {
      // no kernel registry: the report then says nothing about kernel self-tests
    }
    const report = withAdminFindings(await security.auditSecurity(), config.admin);
    process.stdout.write(options.json ? JSON.stringify(report, null, 2) + '\n' : report.text);
    const threshold = options.failOn === undefined ? Infinity : SEVERITIES.indexOf(options.failOn as Severity);
    return report.findings.some((f) => SEVERITIES.indexOf(f.severity) >= threshold) ? 1 : 0;
  } finally {
    await security.close();
  }
}
