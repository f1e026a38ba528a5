// Stage timings of one task (the seed's metrics: cluster init, device init, algorithm; plus cleanup)
// and each stage's share of the total wall time.
import { performance } from 'node:perf_hooks';

export const STAGES = ['validation', 'cluster_init', 'device_init', 'algorithm', 'cleanup'] as const;
export type Stage = (typeof STAGES)[number];

export interface PerformanceMetrics {
  total_time_ms: number;
  validation_time_ms: number;
  cluster_init_time_ms: number;
  device_init_time_ms: number;
  algorithm_time_ms: number;
  cleanup_time_ms: number;
  /** stage time / total time, each in [0, 1]; they sum to <= 1 (the rest is bookkeeping between stages). */
  stage_ratios: Record<Stage, number>;
  cluster_reused: boolean;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export class StageTimer {
  readonly #t0 = performance.now();
  readonly #ms: Record<Stage, number> = { validation: 0, cluster_init: 0, device_init: 0, algorithm: 0, cleanup: 0 };
  #end: number | undefined;

  /** Times `fn` as `stage` (added to earlier time of the same stage), also when it throws. */
  async time<T>(stage: Stage, fn: () => Promise<T> | T): Promise<T> {
    const s = performance.now();
    try {
      return await fn();
    } finally {
      this.#ms[stage] += performance.now() - s;
    }
  }

  ms(stage: Stage): number {
    return this.#ms[stage];
  }

  finish(clusterReused: boolean): PerformanceMetrics {
    this.#end ??= performance.now();
    const total = this.#end - this.#t0;
    const ratio = (x: number): number => (total > 0 ? Math.min(1, Math.round((x / total) * 10000) / 10000) : 0);
    const m = this.#ms;
    return {
      total_time_ms: round3(total),
      validation_time_ms: round3(m.validation),
      cluster_init_time_ms: round3(m.cluster_init),
      device_init_time_ms: round3(m.device_init),
      algorithm_time_ms: round3(m.algorithm),
      cleanup_time_ms: round3(m.cleanup),
      stage_ratios: {
        validation: ratio(m.validation),
        cluster_init: ratio(m.cluster_init),
        device_init: ratio(m.device_init),
        algorithm: ratio(m.algorithm),
        cleanup: ratio(m.cleanup),
      },
      cluster_reused: clusterReused,
    };
  }
}
