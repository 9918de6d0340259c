/**
 * `[fronting] proxy_protocol = true`: the PROXY v2 header (haproxy's "The PROXY protocol Versions 1 & 2",
 * section 2.2) written to the fronting site before the first forwarded byte, so the site sees the real client —
 * the address the session knows, which is the PROXY header's own when one came in (proxy-header-intake.ts).
 * Runs once per fronted connection, never on the relay's per-chunk path.
 */
import type { Socket } from 'node:net';
import type { ConnectionRef } from '../events.js';
import { encodeProxyV2 } from '../protocol/proxy-protocol-encode.js';

/** The header for `client` towards the fronting `site` socket; LOCAL when an address cannot be written. */
export function frontingProxyHeader(client: ConnectionRef, site: Socket): Buffer {
  try {
    return encodeProxyV2({
      source: { address: client.remoteAddress, port: client.remotePort },
      destination: { address: site.remoteAddress ?? '', port: site.remotePort ?? 0 },
    });
  } catch {
    return encodeProxyV2('local');
  }
}
