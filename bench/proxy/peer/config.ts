/**
 * The configuration and launcher the benchmark writes for the peer, alexbers/mtprotoproxy (Python), so that
 * it runs in direct mode, FAST_MODE off, with the same secrets as mtshield, listening on 127.0.0.1 and
 * reaching nothing but 127.0.0.1: its Telegram DC tables are pointed at the fake DC, its public-IP lookup is
 * replaced, bad clients are masked to a local sink, and a guard in the launcher refuses any name lookup or
 * connect to a non-loopback address before the peer's code runs (docs/benchmarks.md, "Peer mode").
 * The peer's code itself is never part of this repository: the operator provides a checkout (--peer-dir).
 */

export interface PeerUser {
  name: string;
  /** The 16-byte key as 32 hex digits (no dd/ee prefix, no domain: the peer derives those from MODES). */
  keyHex: string;
}

export interface PeerConfigOptions {
  port: number;
  /** The fake DC's port on 127.0.0.1; every DC id maps there. */
  dcPort: number;
  /** Where the peer masks clients that fail the handshake (a local sink on 127.0.0.1). */
  frontPort: number;
  users: readonly PeerUser[];
  /** The ee secrets' domain (the peer's TLS_DOMAIN). */
  tlsDomain: string;
  /** Middle mode: USE_MIDDLE_PROXY with this ad tag (32 hex digits); absent: direct mode. */
  middleAdTagHex?: string | undefined;
}

/** Where the peer's middle-proxy link goes in middle mode (the launcher's tables and secret). */
export interface PeerMiddleOptions {
  /** The echo middle proxy's port on 127.0.0.1; every DC id maps there. */
  port: number;
  /** The proxy secret it expects (what getProxySecret would serve). */
  secretHex: string;
}

const PY_NAME = /^[A-Za-z0-9_]{1,64}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const DOMAIN = /^[A-Za-z0-9.-]{1,253}$/;

/** config.py for the peer (read with runpy from the path given on its command line). */
export function peerConfigSource(options: PeerConfigOptions): string {
  if (!DOMAIN.test(options.tlsDomain)) throw new Error(`not a domain: ${JSON.stringify(options.tlsDomain)}`);
  const users = options.users.map((u) => {
    if (!PY_NAME.test(u.name) || !HEX32.test(u.keyHex)) throw new Error(`peer user needs a plain name and 32 hex digits: ${u.name}`);
    return `    "${u.name}": "${u.keyHex}",`;
  });
  const middle = options.middleAdTagHex;
  if (middle !== undefined && !HEX32.test(middle)) throw new Error('an ad tag is 32 hex digits');
  return `# written by mtshield bench --proxy --peer-dir (${middle ? 'middle' : 'direct'} mode, FAST_MODE off, loopback only)
PORT = ${port(options.port)}
USERS = {
${users.join('\n')}
}
MODES = {"classic": False, "secure": True, "tls": True}
TLS_DOMAIN = "${options.tlsDomain}"
MASK = True
MASK_HOST = "127.0.0.1"
MASK_PORT = ${port(options.frontPort)}
FAST_MODE = False
${middle ? `USE_MIDDLE_PROXY = True\nAD_TAG = "${middle}"\n# no clock check against core.telegram.org\nGET_TIME_PERIOD = 0` : 'USE_MIDDLE_PROXY = False'}
PREFER_IPV6 = False
LISTEN_ADDR_IPV4 = "127.0.0.1"
LISTEN_ADDR_IPV6 = ""
METRICS_PORT = None
STATS_PRINT_PERIOD = 86400
TG_READ_TIMEOUT = 1800
`;
}

/**
 * The Python launcher: installs the loopback guard, imports the peer from `peerDir`, points its DC tables
 * at the fake DC and its IP lookup at 127.0.0.1, then runs its main() with `configPath`. In middle mode
 * (`middle`) its middle-proxy tables point at the echo middle proxy, its PROXY_SECRET is that proxy's, and
 * update_middle_proxy_info (which downloads getProxyConfig, getProxyConfigV6 and getProxySecret from
 * core.telegram.org) is replaced by a task that only sleeps: the peer's own code is not edited.
 */
export function peerLauncherSource(options: { peerDir: string; configPath: string; dcPort: number; middle?: PeerMiddleOptions | undefined }): string {
  const middle = options.middle;
  if (middle !== undefined && !/^(?:[0-9a-f]{2}){16,512}$/.test(middle.secretHex)) throw new Error('the proxy secret is 16 to 512 bytes of hex');
  const middleLines = middle
    ? `
MIDDLE_PORT = ${port(middle.port)}
peer.PROXY_SECRET = bytes.fromhex("${middle.secretHex}")
for table in (peer.TG_MIDDLE_PROXIES_V4, peer.TG_MIDDLE_PROXIES_V6):
    for dc in list(table):
        table[dc] = [("127.0.0.1", MIDDLE_PORT)]

async def _no_proxy_info_download():
    while True:
        await peer.asyncio.sleep(86400)
peer.update_middle_proxy_info = _no_proxy_info_download
`
    : '';
  return `# written by mtshield bench --proxy --peer-dir: runs mtprotoproxy against loopback only
import ipaddress, socket, sys

def _loopback(host):
    if isinstance(host, bytes):
        host = host.decode()
    if host is None or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False

def _refuse(what):
    raise OSError("mtshield bench: refusing %s (loopback only)" % (what,))

_getaddrinfo = socket.getaddrinfo
def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _loopback(host):
        _refuse("to resolve %r" % (host,))
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = _guarded_getaddrinfo

def _check(address):
    if isinstance(address, tuple) and not _loopback(address[0]):
        _refuse("to connect to %r" % (address,))

_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
def _guarded_connect(self, address):
    _check(address)
    return _connect(self, address)
def _guarded_connect_ex(self, address):
    _check(address)
    return _connect_ex(self, address)
socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex

sys.path.insert(0, ${JSON.stringify(options.peerDir)})
sys.argv = ["mtprotoproxy.py", ${JSON.stringify(options.configPath)}]
import mtprotoproxy as peer

DC_PORT = ${port(options.dcPort)}
peer.TG_DATACENTER_PORT = DC_PORT
peer.TG_DATACENTERS_V4 = ["127.0.0.1"] * len(peer.TG_DATACENTERS_V4)
peer.TG_DATACENTERS_V6 = ["::1"] * len(peer.TG_DATACENTERS_V6)
for table in (peer.TG_MIDDLE_PROXIES_V4, peer.TG_MIDDLE_PROXIES_V6):
    for dc in list(table):
        table[dc] = [("127.0.0.1", DC_PORT)]

def _loopback_ip_info():
    peer.my_ip_info["ipv4"] = "127.0.0.1"
    peer.my_ip_info["ipv6"] = None
peer.init_ip_info = _loopback_ip_info
${middleLines}
peer.main()
`;
}

function port(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`not a port: ${n}`);
  return n;
}
