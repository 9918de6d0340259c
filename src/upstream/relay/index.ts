/**
 * The relay tunnel between an entry and an exit (docs/protocol.md "Relay tunnel"): Noise IK handshake with
 * pinned keys and a negotiated record suite, AEAD records on the kernel registry with rekeying, a stream
 * multiplexer with per-stream flow control, TCP and WebSocket transports, reconnect and failover on the entry,
 * and the static key file; the entry as an Upstream (entry-service.ts) and the exit's service (exit-service.ts).
 */
export { RelayError, RelayConfigError, RelayStreamResetError, RELAY_ERROR_CODES, type RelayFailureReason, type RelayErrorCode } from './errors.js';
export { ALL_SUITES, isRelaySuite, chooseSuite, type RelaySuite } from './suites.js';
export { connectEntry, acceptExit, RELAY_PROLOGUE, type AeadSource, type EntryHandshakeOptions, type ExitHandshakeOptions } from './handshake.js';
export { RelayTunnel, type TunnelTuning, type TunnelCounters, type TunnelRole } from './tunnel.js';
export { RelayStream } from './stream.js';
export type { StreamMeta } from './frames.js';
export { WindowReplayCache, type ReplayCache } from './replay-cache.js';
export { TcpTransport, type RelayTransport, type RelayTransportHandlers } from './transport.js';
export { listenRelayExit, type RelayExitOptions, type RelayExitServer, type RelayTransportKind } from './exit-server.js';
export { dialRelay, dialTransport, parseServer, type DialOptions, type RelayServerAddress } from './dial.js';
export { RelayConnector, type RelayConnectorOptions } from './connector.js';
export { loadOrCreateKeyFile, type RelayKeyFile } from './key-file.js';
export { formatPublicKey, parsePublicKey, generateKeyPair, keyPairFromPrivate, type X25519KeyPair } from './x25519.js';
export { RelayCryptoCounters, type RelayRecordMetrics, type RelayBytesRow } from './metrics.js';
export { defaultSuites, RELAY_SIZE_MIX } from './suites-default.js';
export { createRelayEntry, type RelayEntry, type RelayEntryConfig } from './entry-service.js';
export { RelayEntryUpstream } from './entry-upstream.js';
export { startRelayExit, RELAY_EXIT_USER, type RelayExit, type RelayExitDeps } from './exit-service.js';
