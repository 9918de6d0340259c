/**
 * Attack: one source takes every slot of a proxy running on its defaults. The per-source caps of
 * [limits.per_ip] used to be counted only (the rate_limits and ip_connection_limits policies started in monitor
 * mode), so out of the box one address could open as many connections, as fast, as it liked. They are now
 * enforced unless the operator sets "monitor" (docs/security.md, "Limits"; test/security/wire-policy.test.ts
 * shows monitor mode when set).
 */
import { describe, expect, it } from 'vitest';
import { readUntilClose } from '../helpers/net.js';
import { startSecuredProxy, type SecuredProxy } from '../security/helpers/secured-proxy.js';
import { useAttackRig } from './slot-rig.js';

let p: SecuredProxy | undefined;
const rig = useAttackRig(async () => {
  await p?.stop();
  p = undefined;
});

/** No [policy] table at all: every rule on its default mode. Fronting stays on 127.0.0.1. */
async function onDefaults(perIp: Record<string, number>): Promise<SecuredProxy> {
  p = await startSecuredProxy(rig.dc, { limits: { per_ip: perIp }, fronting: { host: '127.0.0.1', port: rig.site.port } });
  return p;
}

const refusals = () => p!.proxy.events.filter((e) => e.name === 'connection.refused').map((e) => (e.data as { by: string }).by);

describe('attack: one source takes every slot of a proxy on its defaults', () => {
  it('an attacker who opens connection after connection from one address cannot go past the per-source cap', async () => {
    const { proxy } = await onDefaults({ max_connections: 3 });
    for (let i = 0; i < 3; i++) await rig.silent(proxy.port);
    await proxy.waitFor('connection.accepted', () => proxy.events.filter((e) => e.name === 'connection.accepted').length >= 3);
    const over = await rig.silent(proxy.port);
    expect(await readUntilClose(over, 5_000)).toEqual({ data: Buffer.alloc(0), closed: true });
    expect(refusals()).toEqual(['limit']);
    expect(p!.layer.counters().wouldRefuse.limit ?? 0).toBe(0); // refused, not merely counted
  });

  it('an attacker who opens connections faster than the per-source rate cannot get them all accepted', async () => {
    const { proxy } = await onDefaults({ new_connections_per_second: 2 });
    await Promise.all([0, 1, 2, 3, 4].map(() => rig.silent(proxy.port)));
    await proxy.waitFor('connection.refused', (e) => e.by === 'rate_limit');
    expect(refusals().filter((by) => by === 'rate_limit').length).toBeGreaterThanOrEqual(1);
  });
});
