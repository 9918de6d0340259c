/**
 * What two workers share about a user (docs/fleet.md "What the workers share"): `mtshield run` with
 * `[server] workers = 2` as a real process on 127.0.0.1, the fake DC behind it. node:cluster hands consecutive
 * connections to alternating workers, so connections opened one after another land on both. A user's
 * `max_connections` and `max_ips` hold for the group (leases in the primary), and so does its data quota
 * (bytes relayed by both workers add up through the primary's store).
 */
import { describe, expect, it } from 'vitest';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import type { RawClient } from '../helpers/raw-client.js';
import { groupRun, openInTurn as openAs, relays } from './group-run.js';

const alice = generateSecret('dd');
const group = groupRun();
const start = async (limits: string) => (await group.start(`[users.alice]\nsecret = "${formatSecret(alice)}"\n${limits}`)).port;
const openInTurn = (port: number, count: number, localAddress?: string) => openAs(port, alice.key, count, localAddress);
const workerPids = () => group.workerPids();

describe('a user shared by two workers', () => {
  it("max_connections = 2 holds across both workers: the third connection is refused, a freed slot is taken again", async () => {
    const port = await start('max_connections = 2');
    expect(workerPids().length).toBe(2);
    const { clients, served } = await openInTurn(port, 3);
    expect(served).toEqual([true, true, false]);
    clients[0]!.socket.destroy();
    await new Promise((r) => setTimeout(r, 300)); // the release reaches the primary
    const again = await openInTurn(port, 2);
    expect(again.served).toEqual([true, false]);
    for (const c of [...clients, ...again.clients]) c.socket.destroy();
  }, 90_000);

  it('max_ips = 1 holds across both workers: a second address is refused on the worker that has not seen the first', async () => {
    const port = await start('max_ips = 1');
    const served: boolean[] = [];
    const clients: RawClient[] = [];
    // Alternating workers: 127.0.0.1 on one, 127.0.0.2 on the other (refused), then 127.0.0.1 on both.
    for (const address of ['127.0.0.1', '127.0.0.2', '127.0.0.1', '127.0.0.1']) {
      const opened = await openInTurn(port, 1, address);
      clients.push(...opened.clients);
      served.push(...opened.served);
    }
    expect(served).toEqual([true, false, true, true]);
    for (const c of clients) c.socket.destroy();
  }, 90_000);

  it('a worker killed with SIGKILL gives its leases back: its slots are free again', async () => {
    const port = await start('max_connections = 2');
    const { clients, served } = await openInTurn(port, 2);
    expect(served).toEqual([true, true]);
    const [victim] = workerPids();
    process.kill(victim!, 'SIGKILL');
    await group.cli().waitForLog((l) => l['msg'] === 'worker ready' && l['pid'] !== victim && !workerPids().slice(0, 2).includes(l['pid'] as number), 30_000);
    // One lease went with the dead worker: one new connection fits next to the survivor's, not two.
    const again = await openInTurn(port, 2);
    expect(again.served).toEqual([true, false]);
    for (const c of [...clients, ...again.clients]) c.socket.destroy();
  }, 90_000);

  it('a data quota is shared: bytes relayed through both workers add up and the quota bites on both', async () => {
    // Each connection relays 2 × 48 KiB (up and back) plus its handshake: under 160 KiB alone, over it together.
    const port = await start('quota = "160KiB"');
    const { clients, served } = await openInTurn(port, 2);
    expect(served).toEqual([true, true]);
    for (const c of clients) expect(await relays(c, 48 * 1024)).toBe(true);
    for (const c of clients) c.socket.destroy();
    await new Promise((r) => setTimeout(r, 2_500)); // one flush of each worker, one re-read of the total
    const after = await openInTurn(port, 2);
    expect(after.served).toEqual([false, false]);
    for (const c of after.clients) c.socket.destroy();
  }, 90_000);
});
