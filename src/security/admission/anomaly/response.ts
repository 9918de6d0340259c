/**
 * What the layer does with a threat the detector found: under the anomaly_actions policy, block its source
 * (enforce), say it would (monitor), or only report it (off, below `min_severity`, or a user subject). The
 * threat event is the one line for both the finding and the block it caused.
 */
import type { SecurityEventSink } from '../../audit/reporter.js';
import type { PolicyStore } from '../../policy/store.js';
import type { BlockManager } from '../blocks.js';
import { severityAtLeast, type Threat } from './detector.js';

export function respondToThreat(
  threat: Threat,
  change: 'new' | 'escalated',
  parts: { policies: PolicyStore; blocks: BlockManager; events: SecurityEventSink },
): void {
  const { policies, blocks, events } = parts;
  events.counters.threatsTotal++;
  const rule = policies.rule('anomaly_actions');
  const blockable = threat.subject.kind !== 'user' && rule.mode !== 'off' && severityAtLeast(threat.severity, rule.min_severity);
  if (blockable && rule.mode === 'enforce') {
    blocks.add(threat.subject.value, `${threat.type}: ${threat.message}`, { ttlMs: rule.block_ttl, source: 'anomaly', actor: 'anomaly' });
    threat.action = 'blocked';
  } else {
    threat.action = blockable ? 'would_block' : 'reported';
  }
  const byUser = threat.subject.kind === 'user';
  events.emit({
    type: threat.type,
    severity: threat.severity,
    message: `${threat.message}${change === 'escalated' ? ' (escalated)' : ''}; action: ${threat.action}`,
    ip: byUser ? undefined : threat.subject.value,
    user: byUser ? threat.subject.value : undefined,
    details: { ...threat.details, threat: threat.id, action: threat.action, actor: 'anomaly', blockTtlMs: threat.action === 'blocked' ? rule.block_ttl : undefined },
  });
}
