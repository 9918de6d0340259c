/**
 * Bytes through the relay's record crypto per suite, kernel backend and direction (docs/protocol.md "Relay
 * tunnel"), for the metrics endpoint. The backend of a record is the one the registry's dispatch picks for its
 * size (`chosen` for seal, `chosenOpen` for open), looked up per record from a fixed table: no allocation.
 */
import { BACKEND_NAMES, type BackendName, type KernelRegistry } from '../../kernels/index.js';
import { ALL_SUITES, type RelaySuite } from './suites.js';

/** What a tunnel reports per record (TunnelTuning.metrics). */
export interface RelayRecordMetrics {
  sealed(suite: RelaySuite, plaintextBytes: number): void;
  opened(suite: RelaySuite, plaintextBytes: number): void;
}

export interface RelayBytesRow {
  suite: RelaySuite;
  backend: BackendName;
  direction: 'seal' | 'open';
  bytes: number;
  records: number;
}

/** Plain default: counters in memory, read with rows(). */
export class RelayCryptoCounters implements RelayRecordMetrics {
  // [suite][backend][0 seal | 1 open] → [bytes, records]
  private readonly table = ALL_SUITES.map(() => BACKEND_NAMES.map(() => [new Float64Array(2), new Float64Array(2)] as const));

  constructor(private readonly registry: Pick<KernelRegistry, 'chosen' | 'chosenOpen'>) {}

  sealed(suite: RelaySuite, plaintextBytes: number): void {
    this.add(suite, this.registry.chosen(suite, plaintextBytes), 0, plaintextBytes);
  }

  opened(suite: RelaySuite, plaintextBytes: number): void {
    this.add(suite, this.registry.chosenOpen(suite, plaintextBytes), 1, plaintextBytes);
  }

  rows(): RelayBytesRow[] {
    const rows: RelayBytesRow[] = [];
    ALL_SUITES.forEach((suite, s) =>
      BACKEND_NAMES.forEach((backend, b) =>
        (['seal', 'open'] as const).forEach((direction, d) => {
          const cell = this.table[s]![b]![d];
          if (cell[1]! > 0) rows.push({ suite, backend, direction, bytes: cell[0]!, records: cell[1]! });
        }),
      ),
    );
    return rows;
  }

  private add(suite: RelaySuite, backend: BackendName, direction: 0 | 1, bytes: number): void {
    const cell = this.table[ALL_SUITES.indexOf(suite)]![BACKEND_NAMES.indexOf(backend)]![direction];
    cell[0] += bytes;
    cell[1]++;
  }
}
