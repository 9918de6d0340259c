/**
 * [relay]: this process as a relay exit (docs/operations.md "Chaining: entry and exit"; docs/protocol.md
 * "Relay tunnel"). With `listen` set, mtshield accepts tunnels from the entries whose public keys `allow`
 * lists (empty lets nobody in) and sends their streams to Telegram as its own [upstream] says.
 */
import { z } from 'zod';
import { parseHostPort } from '../../vocabulary/index.js';
import { hostPort } from './fields.js';
import { relayKeyFile, relayPath, relayPublicKey, relaySuites, relayTransport } from './relay-fields.js';

export const relaySchema = z
  .strictObject({
    /** Absent or empty: not an exit. */
    listen: z.union([hostPort, z.array(hostPort)]).default([]),
    key_file: relayKeyFile,
    allow: z.array(relayPublicKey).default([]),
    transport: relayTransport,
    path: relayPath,
    suites: relaySuites,
  })
  .transform((r) => ({
    listen: (Array.isArray(r.listen) ? r.listen : [r.listen]).map((text) => parseHostPort(text)!),
    keyFile: r.key_file,
    allow: r.allow,
    transport: r.transport,
    path: r.path,
    suites: r.suites,
  }))
  .prefault({});

export type RelayExitConfig = z.output<typeof relaySchema>;
