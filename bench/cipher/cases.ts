/**
 * One benchmark case = one algorithm, operation, backend and message size, prepared so that the timed
 * function does only the cipher call: keys, nonces, inputs and output buffers are made beforehand.
 */
import { randomBytes } from 'node:crypto';
import { ALGORITHM_SPECS, type AeadAlgorithm, type Algorithm, type BenchBackend, type Operation } from './catalog.js';
import { oracleCbc, oracleSeal, oracleStream } from './oracle.js';
import type { BenchRegistry } from './registry.js';

/** Inputs and the reference output for one algorithm, operation and size. */
export interface Fixture {
  algorithm: Algorithm;
  operation: Operation;
  size: number;
  key: Uint8Array;
  nonce: Uint8Array;
  input: Uint8Array;
  expected: Uint8Array;
}

export interface PreparedCase {
  /** The timed call. */
  run(): void;
  /** A fresh, independent computation of the output, for cross-checking. */
  once(input?: Uint8Array): Uint8Array;
  dispose(): void;
}

/** Keeps results reachable so no engine can drop the call as dead code. */
export let sink: Uint8Array | undefined;

export function makeFixture(algorithm: Algorithm, operation: Operation, size: number): Fixture {
  const spec = ALGORITHM_SPECS[algorithm];
  const key = randomBytes(spec.keyLength);
  const nonce = randomBytes(spec.nonceLength);
  const plain = randomBytes(size);
  switch (operation) {
    case 'update':
      return { algorithm, operation, size, key, nonce, input: plain, expected: oracleStream(key, nonce, plain) };
    case 'encrypt':
      return { algorithm, operation, size, key, nonce, input: plain, expected: oracleCbc(key, nonce, plain, 'encrypt') };
    case 'decrypt': {
      const cipher = oracleCbc(key, nonce, plain, 'encrypt');
      return { algorithm, operation, size, key, nonce, input: cipher, expected: plain };
    }
    case 'seal':
      return { algorithm, operation, size, key, nonce, input: plain, expected: oracleSeal(algorithm, key, nonce, plain) };
    case 'open': {
      const sealed = oracleSeal(algorithm, key, nonce, plain);
      return { algorithm, operation, size, key, nonce, input: sealed, expected: plain };
    }
  }
}

function backendOption(backend: BenchBackend): { backend?: Exclude<BenchBackend, 'auto'> } {
  return backend === 'auto' ? {} : { backend };
}

export function prepareCase(registry: BenchRegistry, backend: BenchBackend, fixture: Fixture): PreparedCase {
  const { algorithm, operation, key, nonce, input } = fixture;
  const opts = backendOption(backend);
  const kind = ALGORITHM_SPECS[algorithm].kind;

  if (kind === 'stream') {
    const stream = registry.stream('aes-256-ctr', key, nonce, opts);
    const out = new Uint8Array(input.length);
    return {
      run: () => {
        sink = stream.update(input, out);
      },
      once: (data = input) => {
        const fresh = registry.stream('aes-256-ctr', key, nonce, opts);
        try {
          return Uint8Array.from(fresh.update(data));
        } finally {
          fresh.destroy();
        }
      },
      dispose: () => stream.destroy(),
    };
  }

  if (kind === 'cbc') {
    const direction = operation === 'decrypt' ? 'decrypt' : 'encrypt';
    const out = new Uint8Array(input.length);
    const make = () => registry.cbc(direction, key, nonce, opts);
    const cipher = make();
    return {
      // CBC chains across calls; timing one message after another on one context is what a link does.
      run: () => {
        sink = cipher.update(input, out);
      },
      once: (data = input) => {
        const fresh = make();
        try {
          return Uint8Array.from(fresh.update(data));
        } finally {
          fresh.destroy();
        }
      },
      dispose: () => cipher.destroy(),
    };
  }

  const aead = registry.aead(algorithm as AeadAlgorithm, opts);
  const call = operation === 'open' ? aead.open.bind(aead) : aead.seal.bind(aead);
  return {
    run: () => {
      sink = call(key, nonce, input);
    },
    once: (data = input) => Uint8Array.from(call(key, nonce, data)),
    dispose: () => aead.destroy(),
  };
}
