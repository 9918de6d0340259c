/**
 * Field types the relay tables share (the exit's [relay], the entry's [upstream.relay]; docs/operations.md
 * "Chaining: entry and exit"): transports, WebSocket paths, record suites and X25519 public keys, each checked
 * here so a bad value is a config error naming its key.
 */
import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';

/**
 * The suite names of the operator contract (src/config imports nothing of src/upstream; the relay's suites.ts
 * holds the same list with its wire ids, and test/upstream/relay/config.test.ts keeps the two equal).
 */
export const RELAY_SUITE_NAMES = ['chacha20-poly1305', 'aes-256-gcm', 'xchacha20-poly1305', 'aes-128-gcm'] as const;
type RelaySuite = (typeof RELAY_SUITE_NAMES)[number];
const isRelaySuite = (name: string): name is RelaySuite => (RELAY_SUITE_NAMES as readonly string[]).includes(name);

/** 32 bytes as 43 base64url/base64 characters (optionally one "=") or 64 hex digits. */
function parsePublicKey(text: string): void {
  const t = text.trim();
  const hex = /^[0-9a-fA-F]{64}$/.test(t);
  if (!hex && !(/^[A-Za-z0-9+/_-]{43}=?$/.test(t) && Buffer.from(t, 'base64').length === 32)) {
    throw new Error('not an X25519 public key (expected 43 base64url characters or 64 hex digits)');
  }
}

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
