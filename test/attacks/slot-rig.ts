/**
 * What the slot attacks (fronted-slot-hold, blocked-source-slot-hold, ipv6-prefix-walk, per-ip-cap-default,
 * reserved-slots, replay-window) share: a fake DC and a fronting site on 127.0.0.1 for the file, the attacker's
 * sockets (destroyed after each test, before the proxy stops), and a connection that says nothing.
 */
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { startFrontingSite, type FrontingSite } from '../helpers/fronting-site.js';
import { connectTo } from '../helpers/net.js';

export interface AttackRig {
  readonly dc: FakeDc;
  readonly site: FrontingSite;
  /** Sockets the test opened; destroyed after it. */
  readonly sockets: Socket[];
  /** A connection that connects and stays silent (it holds a handshaking slot until its deadline). */
  silent(port: number): Promise<Socket>;
}

/** Registers the file's hooks; `stop` ends the test's proxy after its sockets are gone. */
export function useAttackRig(stop: () => Promise<void> | void): AttackRig {
  let dc: FakeDc | undefined;
  let site: FrontingSite | undefined;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    dc = await startFakeDc();
    site = await startFrontingSite();
  });
  afterAll(async () => {
    await dc?.close();
    await site?.close();
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await stop();
  });
  return {
    get dc() {
      return dc!;
    },
    get site() {
      return site!;
    },
    sockets,
    async silent(port) {
      const socket = await connectTo(port);
      socket.on('error', () => {});
      sockets.push(socket);
      return socket;
    },
  };
}
