/**
 * What the workers of a group and their primary tell each other besides lifecycle, state and metrics
 * (messages.ts, src/state/ipc-protocol.ts, metrics.ts): a worker's security events go to the primary (the one
 * audit writer and the event stream), and the primary tells every worker when blocks changed, so a block set
 * through the admin API or by one worker's anomaly detector bites on every worker at once.
 */
import type { SecurityEvent } from '../events.js';

export const GROUP_TAG = 'group';

export type GroupMessage =
  | { mtshield: typeof GROUP_TAG; type: 'security-event'; event: SecurityEvent }
  | { mtshield: typeof GROUP_TAG; type: 'blocks-changed' };

/** Security events after which every worker re-reads the blocks from the shared store. */
export function changesBlocks(event: SecurityEvent): boolean {
  return event.type.startsWith('block.') || event.type.startsWith('threat.');
}
