/**
 * Lifecycle messages between the primary (supervisor.ts) and its workers (worker-link.ts), on the same Node IPC
 * channel as the state and metrics messages, told apart by the `mtshield` tag.
 */
export const LIFECYCLE_TAG = 'lifecycle';

/** Primary → worker. `config` is already validated by the primary (SIGHUP is validated once, for all). */
export type PrimaryMessage =
  | { mtshield: typeof LIFECYCLE_TAG; type: 'config'; generation: number; config: unknown }
  | { mtshield: typeof LIFECYCLE_TAG; type: 'drain'; deadlineMs: number };

/** Worker → primary. */
export type WorkerMessage =
  | { mtshield: typeof LIFECYCLE_TAG; type: 'ready' }
  | { mtshield: typeof LIFECYCLE_TAG; type: 'config-applied'; generation: number; error?: string }
  | { mtshield: typeof LIFECYCLE_TAG; type: 'drained' };
