/**
 * Middle-proxy mode (docs/protocol.md "Middle proxy"): the RPC link to Telegram's middle proxies that carries
 * ad-tagged traffic. This folder holds the protocol core — key derivation, framing, handshake, messages, the
 * proxy-config table and MiddleLink (one multiplexed link) — independent of how sessions reach an upstream.
 */
export * from './constants.js';
export * from './errors.js';
export type { LinkAddress } from './addresses.js';
export { crc32, crc32c, type CrcKind } from './crc.js';
export { deriveMiddleKey, deriveLinkKeys, type MiddleKeyInput, type CbcKeyIv, type KeyPurpose } from './key-derivation.js';
export { FrameDecoder, encodeFrame, sealFrame, frameSize, BODY_OFFSET, DEFAULT_MAX_PAYLOAD } from './frame-codec.js';
export * from './handshake-messages.js';
export * from './messages.js';
export { RpcChannel, type CbcSource, type RpcChannelOptions } from './rpc-channel.js';
export { clientHandshake, serverHandshake, type HandshakeOptions, type ClientHandshakeOptions, type ServerHandshakeOptions, type HandshakeResult } from './handshake.js';
export { MiddleClientStream, DEFAULT_MAX_CLIENT_BUFFER, type MiddleClientOptions, type ClientLinkSide } from './client-stream.js';
export { MiddleLink, type MiddleLinkOptions } from './link.js';
export { ProxyTable, parseProxyTable, type MiddleEndpoint } from './proxy-table.js';
export { MiddlePool, type MiddlePoolOptions, type PoolStats } from './pool.js';
export { MiddleSources, mergeTables, TELEGRAM_CORE_URL, type MiddleSourcesOptions, type MiddleSnapshot } from './sources.js';
export { MiddleUpstream, adTagLookup, type AdTagLookup } from './upstream.js';
export { MiddleClientEndpoint } from './client-endpoint.js';
export { startMiddleMode, type MiddleMode, type MiddleModeOptions } from './mode.js';
export { nodeCbc } from './node-cbc.js';
export { probeMiddleProxies, type MiddleProbeResult } from './probe.js';
