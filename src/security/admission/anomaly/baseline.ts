/**
 * A per-key moving baseline: an exponentially weighted moving average (EWMA) of a value sampled once per
 * interval. A sample is a spike when the baseline has warmed up and the sample is above both
 * `factor × baseline` and an absolute floor (so a user going from 1 KiB to 10 KiB is not an incident).
 *   mean ← α·sample + (1 − α)·mean
 */
export interface BaselineOptions {
  alpha: number;
  factor: number;
  warmup: number;
  floor: number;
}

interface State {
  mean: number;
  samples: number;
}

export interface SpikeCheck {
  spike: boolean;
  baseline: number;
  sample: number;
}

export class EwmaBaseline {
  private readonly states = new Map<string, State>();

  constructor(private readonly options: BaselineOptions) {}

  /** Compares `sample` with the key's baseline, then folds it in. */
  observe(key: string, sample: number): SpikeCheck {
    const state = this.states.get(key) ?? { mean: 0, samples: 0 };
    const { alpha, factor, warmup, floor } = this.options;
    const prior = state.mean;
    const spike = state.samples >= warmup && sample > floor && sample > factor * state.mean;
    state.mean = state.samples === 0 ? sample : alpha * sample + (1 - alpha) * state.mean;
    state.samples++;
    this.states.set(key, state);
    return { spike, baseline: prior, sample };
  }

  baseline(key: string): number | undefined {
    return this.states.get(key)?.mean;
  }

  forget(key: string): void {
    this.states.delete(key);
  }
}
