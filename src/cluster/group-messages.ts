/**
 * What the workers of a group and their primary tell each other besides lifecycle, state and metrics
 * (messages.ts, src/state/ipc-protocol.ts, metrics.ts): a worker's security events go to the primary (the one
 * audit writer and the event stream), and the primary tells every worker when blocks changed, so a block set
 * through the admin API or by one worker's anomaly detector bites on every worker at once; likewise when the
 * run-time overlay changed (users, access rules: the worker re-reads it) and when the active policy changed
 * (the worker stores the same document, its events marked with the actor `primary` and not sent back); and
 * a worker's data-plane events go to the primary's event stream in batches (event-forwarder.ts).
 */
import type { SecurityEvent } from '../events.js';

export const GROUP_TAG = 'group';

export type GroupMessage =
  | { mtshield: typeof GROUP_TAG; type: 'security-event'; event: SecurityEvent }
  | { mtshield: typeof GROUP_TAG; type: 'blocks-changed' }
  | { mtshield: typeof GROUP_TAG; type: 'overlay-changed' }
  | { mtshield: typeof GROUP_TAG; type: 'policy'; document: unknown }
  /** A batch of a worker's data-plane events, for the primary's event stream only (event-forwarder.ts). */
  | { mtshield: typeof GROUP_TAG; type: 'data-events'; events: SecurityEvent[] };

/** The actor of what a worker applies on the primary's word (already audited there). */
export const PRIMARY_ACTOR = 'primary';

/** Security events after which every worker re-reads the blocks from the shared store. */
export function changesBlocks(event: SecurityEvent): boolean {
  return event.type.startsWith('block.') || event.type.startsWith('threat.');
}
