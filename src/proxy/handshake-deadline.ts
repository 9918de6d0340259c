/**
 * When a silent or slow handshake gives up: randomised to 0.75×–1.25× of the timeout per connection, so a
 * prober cannot learn the deadline (a fingerprint) by timing silent connections. The server's once-a-second
 * sweep enforces it (session.ts).
 */
export function handshakeDeadline(startedAt: number, timeoutMs: number, random: () => number = Math.random): number {
  return startedAt + Math.round(timeoutMs * (0.75 + random() * 0.5));
}
