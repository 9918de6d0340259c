/**
 * Field types the relay tables share (the exit's [relay], the entry's [upstream.relay]; docs/operations.md
 * "Chaining: entry and exit"): transports, WebSocket paths, record suites and X25519 public keys, each checked
 * here so a bad value is a config error naming its key.
 */
import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';
import { isRelaySuite, type RelaySuite } from '../../upstream/relay/suites.js';
import { parsePublicKey } from '../../upstream/relay/x25519.js';

export const RELAY_TRANSPORTS = ['tcp', 'websocket'] as const;

export const relayTransport = z.enum(RELAY_TRANSPORTS, { message: 'expected "tcp" or "websocket"' }).default(DEFAULTS.relay.transport);

export const relayPath = z
  .string()
  .regex(/^\/[\x21-\x7e]*$/, 'expected a URL path starting with "/"')
  .default(DEFAULTS.relay.path);

/** A preference list of suites; absent → the kernel calibration decides (src/upstream/relay/suites-default.ts). */
export const relaySuites = z
  .array(z.string().refine(isRelaySuite, { message: 'unknown suite (expected "chacha20-poly1305", "aes-256-gcm", "xchacha20-poly1305" or "aes-128-gcm")' }))
  .min(1, 'list at least one suite, or leave the key out for the calibrated default')
  .transform((list) => [...new Set(list)] as RelaySuite[])
  .optional();

/**
 * An X25519 public key as `mtshield relay key` prints it (base64url; base64 or hex also read): checked here, kept
 * as text (the config is deep-frozen; byte arrays cannot be), parsed again where the tunnel is built.
 */
export const relayPublicKey = z.string().transform((text, ctx): string => {
  try {
    parsePublicKey(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
  return text.trim();
});

export const relayKeyFile = z.string().min(1).default(DEFAULTS.relay.keyFile);
