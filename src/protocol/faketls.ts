/**
 * Fake TLS (`ee` secrets): the public face of the pieces, one job per file. [docs/protocol.md "Fake TLS"]
 *   faketls-hello.ts   ClientHelloReader: buffer the hello across segments and handshake fragments
 *   faketls-verify.ts  parse fields, HMAC per candidate in constant time, time window, SNI
 *   faketls-server.ts  buildServerHello (three records, HMAC'd server random); verifyServerAnswer (client)
 *   faketls-client.ts  buildClientHello (client side, browser-shaped)
 *   tls-records.ts     TlsRecordReader, wrapRecords / recordParts and joinPayloads for the data phase
 *
 * Server flow: reader.feed(chunk) until 'done' → verifyClientHello(record, candidates, now, { maxSkewMs })
 * → replay check on verdict.replayKey → buildServerHello(user key, verdict.fields.random,
 * verdict.fields.sessionId, { cipherSuite: verdict.cipherSuite }) → TlsRecordReader for the client's records
 * (the first payload bytes are the 64-byte obfuscated2 header; pushPartial + joinPayloads in the relay) and
 * recordParts (header/payload pairs, payload not copied) towards the client.
 */
export * from './faketls-hello.js';
export * from './faketls-verify.js';
export * from './faketls-server.js';
export * from './faketls-client.js';
export * from './tls-records.js';
