// Bounds from the operator, not the message. A task message may ask for any count its schema
// accepts; the worker's configuration says how much one task may take. Counts are bounded by NAME
// wherever they appear in a (parsed) task_config, so a new job that uses one of these names is
// bounded without further code, and a pipeline's steps are bounded like top-level tasks.
import { availableParallelism } from 'node:os';
import type { FieldIssue } from './validation.ts';

export interface TaskLimits {
  /** `epochs` (SS-LR and any other iterative trainer). */
  readonly maxEpochs: number;
  /** `num_boost_round` (tree boosting). */
  readonly maxBoostRounds: number;
  /** `max_depth` (trees). */
  readonly maxTreeDepth: number;
  /** `bucket_size` (PSI rows per bucket; evaluation bins). */
  readonly maxBucketSize: number;
  /** `batch_size` (training, prediction, PSI curve batches). */
  readonly maxBatchSize: number;
  /** `curve_threads` (PSI curve threads per party); never above the machine's parallelism. */
  readonly maxCurveThreads: number;
  /** Data rows one party's table may have (checked by jobs when they read headers). */
  readonly maxRows: number;
  /** Columns one party's table may have. */
  readonly maxColumns: number;
}

export const DEFAULT_TASK_LIMITS: TaskLimits = {
  maxEpochs: 1000,
  maxBoostRounds: 1000,
  maxTreeDepth: 16,
  maxBucketSize: 1 << 22,
  maxBatchSize: 1 << 20,
  maxCurveThreads: availableParallelism(),
  maxRows: 10_000_000,
  maxColumns: 10_000,
};

/** Field name in task_config -> the limit that bounds it. */
export const COUNT_FIELDS = {
  epochs: 'maxEpochs',
  num_boost_round: 'maxBoostRounds',
  max_depth: 'maxTreeDepth',
  bucket_size: 'maxBucketSize',
  batch_size: 'maxBatchSize',
  curve_threads: 'maxCurveThreads',
} as const satisfies Record<string, keyof TaskLimits>;

/** Operator limits with defaults filled in; `curve_threads` capped by the machine. */
export function resolveLimits(partial: Partial<TaskLimits> = {}): TaskLimits {
  const l = { ...DEFAULT_TASK_LIMITS, ...partial };
  return { ...l, maxCurveThreads: Math.min(l.maxCurveThreads, availableParallelism()) };
}

/** Every bounded count in `config` above its limit, as field issues under `prefix`. */
export function countIssues(config: unknown, limits: TaskLimits, prefix: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const walk = (v: unknown, path: string[], depth: number): void => {
    if (depth > 32 || typeof v !== 'object' || v === null) return;
    for (const [k, child] of Object.entries(v)) {
      const here = [...path, k];
      const limitName = Object.hasOwn(COUNT_FIELDS, k) ? COUNT_FIELDS[k as keyof typeof COUNT_FIELDS] : undefined;
      if (limitName !== undefined && typeof child === 'number' && !(child <= limits[limitName])) {
        issues.push({ path: [prefix, ...here].filter((p) => p !== '').join('.'), code: 'too_big', message: `at most ${limits[limitName]} on this worker` });
      }
      walk(child, here, depth + 1);
    }
  };
  walk(config, [], 0);
  return issues;
}

/** Rows / columns of a party's table against the limits; the issue names `field`. */
export function tableIssues(shape: { rows: number; columns: number }, limits: TaskLimits, field: string): FieldIssue[] {
  const out: FieldIssue[] = [];
  if (shape.rows > limits.maxRows) out.push({ path: field, code: 'too_big', message: `the table has more than ${limits.maxRows} rows (the limit on this worker)` });
  if (shape.columns > limits.maxColumns) out.push({ path: field, code: 'too_big', message: `the table has more than ${limits.maxColumns} columns (the limit on this worker)` });
  return out;
}
