/** An injectable clock: everything time-dependent in the security layer reads `now()` from one of these. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private at: number = Date.UTC(2026, 0, 5, 12, 0, 0)) {}
  now(): number {
    return this.at;
  }
  set(at: number | Date): void {
    this.at = typeof at === 'number' ? at : at.getTime();
  }
  advance(ms: number): void {
    this.at += ms;
  }
}
