/**
 * Refusals end to end through two mtshield processes' worth of app (src/app.ts) on 127.0.0.1 (docs/operations.md
 * "Chaining: entry and exit"): entry and exit with disjoint suites; and a man in the middle between them that
 * flips a bit in, replays, or truncates one of the entry's records. Each time the tunnel is refused, the raw
 * client is closed cleanly by the entry, and the exit writes a "relay.tunnel_failed" line with the reason to its
 * audit log. Afterwards the exit still serves (no crash).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import { startFakeDc, type FakeDc } from '../../helpers/fake-dc.js';
import { obfuscatedClient } from '../../helpers/raw-client.js';
import { expectCleanFailure, startChain, type Chain } from './chain-setup.js';
import { tamperer, type TamperMode } from './tamperer.js';
import { waitFor } from './helpers.js';

let dc: FakeDc;
beforeAll(async () => {
  dc = await startFakeDc();
});
afterAll(async () => {
  await dc.close();
});
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Waits for the exit's audit log to hold a relay.tunnel_failed line with `reason`; returns it. */
async function audited(chain: Chain, reason: string): Promise<Record<string, unknown>> {
  const find = () => chain.exitAudit().find((line) => line.type === 'relay.tunnel_failed' && (line.details as { reason?: string } | undefined)?.reason === reason);
  await waitFor(() => find() !== undefined, 10_000);
  return find()!;
}

describe('a chain refused end to end', () => {
  it('disjoint suites: no tunnel, the client is closed cleanly, the exit audits suites-disjoint', { timeout: 30_000 }, async () => {
    const chain = await startChain(dc, { transport: 'tcp', entrySuites: ['aes-128-gcm', 'xchacha20-poly1305'], exitSuites: ['chacha20-poly1305', 'aes-256-gcm'] });
    cleanup.push(() => chain.stop());
    await expectCleanFailure(chain);
    const line = await audited(chain, 'suites-disjoint');
    expect(line.ip).toBe('127.0.0.1');
    expect(dc.connections.length).toBe(0);
  });

  describe.each([
    ['flip', 'record-auth'],
    ['replay', 'record-replay'],
    ['truncate', 'record-truncated'],
  ] as const)('a man in the middle who tampers (%s)', (mode: TamperMode, reason) => {
    it(`cannot get the record through: refused as ${reason}, client closed, audited`, { timeout: 30_000 }, async () => {
      let mitm: Server | undefined;
      const chain = await startChain(dc, {
        transport: 'tcp',
        via: async (exitPort) => {
          const t = await tamperer(exitPort, mode);
          mitm = t.server;
          return t.port;
        },
      });
      cleanup.push(() => chain.stop(), () => void mitm?.close());
      // The client's traffic carries records past the tampered one (the OPEN frame is record 0).
      const client = await obfuscatedClient(chain.entry.service.server.addresses()[0]!.port, chain.secret.key, { kind: 'intermediate', dc: 2 });
      client.socket.on('error', () => {});
      const closed = new Promise<void>((resolve) => (client.socket.once('end', () => resolve()), client.socket.once('close', () => resolve())));
      const pump = setInterval(() => !client.socket.destroyed && client.send(randomBytes(300)), 5);
      cleanup.push(() => clearInterval(pump), () => client.socket.destroy());
      await closed; // the tunnel carrying this client's stream died: the entry ended the client
      clearInterval(pump);
      const line = await audited(chain, reason);
      expect(line).toMatchObject({ type: 'relay.tunnel_failed', ip: '127.0.0.1' });
      expect((line.details as { code: string }).code).toBe('ERR_RELAY_RECORD');
    });
  });
});
