/**
 * Bytes through AES-256-CBC (SP 800-38A §6.2) per kernel backend and direction, for the metrics endpoint: the
 * middle-proxy link's cipher (docs/protocol.md "Middle proxy") is the one CBC user. One instance per registry,
 * filled by every AdaptiveCbc it hands out (the backend of each update is the one that served it); a fixed
 * table, so counting allocates nothing.
 */
import { BACKEND_NAMES, type BackendName, type CbcDirection } from '../types.js';

export interface KernelBytesRow {
  algorithm: 'aes-256-cbc';
  backend: BackendName;
  direction: CbcDirection;
  bytes: number;
  updates: number;
}

const DIRECTIONS: readonly CbcDirection[] = ['encrypt', 'decrypt'];

export class CbcByteCounts {
  // [backend][direction] → bytes, updates
  private readonly cells = new Float64Array(BACKEND_NAMES.length * DIRECTIONS.length * 2);

  add(backend: BackendName, direction: CbcDirection, bytes: number): void {
    const at = (BACKEND_NAMES.indexOf(backend) * 2 + (direction === 'encrypt' ? 0 : 1)) * 2;
    this.cells[at]! += bytes;
    this.cells[at + 1]!++;
  }

  rows(): KernelBytesRow[] {
    const rows: KernelBytesRow[] = [];
    BACKEND_NAMES.forEach((backend, b) =>
      DIRECTIONS.forEach((direction, d) => {
        const at = (b * 2 + d) * 2;
        if (this.cells[at + 1]! > 0) rows.push({ algorithm: 'aes-256-cbc', backend, direction, bytes: this.cells[at]!, updates: this.cells[at + 1]! });
      }),
    );
    return rows;
  }
}
