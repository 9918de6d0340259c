// Loads the 9seconds/mtg test vectors (MIT, see vectors/mtg/LICENSE) copied into this folder.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), 'vectors', 'mtg');

export function b64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export interface Obfuscated2Vector {
  name: string;
  secret: string;
  frame: string;
  dc: number;
  encrypted: { text: string; cipher: string };
  decrypted: { text: string; cipher: string };
}

export interface HelloVector {
  name: string;
  time: number;
  random: string;
  sessionId: string;
  host: string;
  cipherSuite: number;
  full: string;
}

function load<T>(folder: string): T[] {
  const dir = join(root, folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f, ...(JSON.parse(readFileSync(join(dir, f), 'utf8')) as object) }) as T);
}

export const obfuscated2Vectors = (): Obfuscated2Vector[] => load('obfuscated2');
export const helloVectors = (): HelloVector[] => load('fake-tls');
