/**
 * When a connection's timeouts fire (issue 15; docs/operations.md, `server.handshake_timeout` and
 * `server.idle_timeout`): each connection draws its own handshake deadline and idle-timeout factor, so a prober
 * that times silent connections sees closes spread as a real site's are, not one fixed deadline (a fingerprint).
 * The drawn factor is kept as a whole number of 1/65 536ths: a session stores it per connection, and a small
 * integer stays in the object where a fraction takes a 16-byte boxed number.
 */

/**
 * When a silent or slow handshake gives up: randomised to 0.75×–1.25× of the timeout per connection, so a
 * prober cannot learn the deadline (a fingerprint) by timing silent connections.
 */
export function handshakeDeadline(startedAt: number, timeoutMs: number, random: () => number = Math.random): number {
  return startedAt + Math.round(timeoutMs * (0.75 + random() * 0.5));
}

/**
 * A connection's factor on the idle timeout, 0.75..1.25: a prober that times silent connections sees the
 * close spread over half the timeout, as a real site's keep-alive closes are (issue 15).
 */
export function idleScale(random: () => number = Math.random): number {
  return 0.75 + random() * 0.5;
}

/** A factor of 1 in the whole-number form. */
export const SCALE_ONE = 65_536;

/** A fresh idleScale() in the whole-number form (what a connection stores). */
export function drawScale(random: () => number = Math.random): number {
  return Math.round(idleScale(random) * SCALE_ONE);
}

/** `timeoutMs` × a factor in the whole-number form: this connection's timeout. */
export function scaledTimeout(timeoutMs: number, scale: number): number {
  return (timeoutMs * scale) / SCALE_ONE;
}
