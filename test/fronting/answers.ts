/**
 * A valid fake-TLS client's view of the proxy's answer, for the profile tests: the hello for a user's ee
 * secret, the answer read until it verifies, and its flight checked against a profile's shape.
 */
import { expect } from 'vitest';
import { parseServerFlight, type SiteProfile } from '../../src/fronting/index.js';
import type { ParsedSecret } from '../../src/protocol/secrets.js';
import { sampleAnswer } from '../../bench/proxy/answer-sample.js';

/** Record types with runs collapsed: 16 14 17 17 17 → 16 14 17. */
export const shape = (types: readonly number[]) => types.filter((t, i) => t !== types[i - 1]);

/** A valid fake-TLS client's hello to the proxy; resolves with the answer (the three records) and the socket. */
export const answerOf = sampleAnswer;

/** `count` answers through the proxy to a client of `secret`: each has the profile's shape; returns their flight sizes. */
export async function answersShapedBy(port: number, secret: ParsedSecret, profile: SiteProfile, count = 20): Promise<number[]> {
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    const { answer, socket } = await answerOf(port, secret);
    socket.destroy();
    const flight = parseServerFlight(answer);
    expect(shape(flight.recordTypes)).toEqual(shape(profile.recordTypes));
    expect(flight.cipherSuite).toBe(profile.cipherSuite);
    expect(flight.extensionOrder).toEqual(profile.extensionOrder);
    expect(flight.serverHelloLength).toBe(profile.serverHelloLength);
    expect(flight.encryptedSizes).toHaveLength(1); // collapsed: see src/fronting/answer.ts
    sizes.push(flight.encryptedSizes[0]!);
  }
  return sizes;
}

/** Every size within the profile's own variation ±64 bytes. */
export function withinVariation(sizes: readonly number[], profile: SiteProfile): boolean {
  return Math.min(...sizes) >= Math.min(...profile.flightSizes) - 64 && Math.max(...sizes) <= Math.max(...profile.flightSizes) + 64;
}
