// Child process of the streaming preprocessing bench (prep-job.ts): one party thread runs
// fillna -> feature_calculate -> onehot_encode over the given file (streamed: it is larger than the
// whole-file limit), and the process prints its timings, CPU time and peak RSS (every thread) as JSON.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runWithUncheckedFiles } from '@sfw/executor/testing';
import { Cluster } from '@sfw/runtime';
import {
  PREP_DEVICE_MODULE, featureCalculateSchema, featureCalculateTask, fillnaSchema, fillnaTask, onehotEncodeTask, onehotSchema,
} from '@sfw/jobs-preprocessing';
import { STREAM_FLOATS, STREAM_INTS, STREAM_TEXTS } from './prep-job.ts';
import { jobContext } from './sslr-job.ts';

const [input, dir] = process.argv.slice(2) as [string, string];
const floats = Array.from({ length: STREAM_FLOATS }, (_, j) => `f${j}`);
const ints = Array.from({ length: STREAM_INTS }, (_, j) => `i${j}`);
const texts = Array.from({ length: STREAM_TEXTS }, (_, j) => `s${j}`);
const cluster = await Cluster.start({ parties: ['alice'], modules: [PREP_DEVICE_MODULE] });
try {
  const ctx = jobContext(cluster, dir);
  await cluster.beginTask('stream');
  const p = (name: string): string => join(dir, name);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await runWithUncheckedFiles(fillnaTask, ctx, fillnaSchema.parse({
    input_ds: { alice: input }, features: [...floats, ...ints, ...texts], float_fill_strategy: 'median', int_fill_strategy: 'mean', str_fill_strategy: 'most_frequent',
    output_ds: { alice: p('filled.csv') }, output_rule: { alice: p('fillna.json') },
  }));
  const t1 = performance.now();
  await runWithUncheckedFiles(featureCalculateTask, ctx, featureCalculateSchema.parse({
    input_ds: { alice: p('filled.csv') }, rules: [{ op: 'STANDARDIZE', features: floats }, { op: 'NORMALIZATION', features: ints }],
    output_ds: { alice: p('calc.csv') }, output_rule: { alice: p('calc.json') },
  }));
  const t2 = performance.now();
  await runWithUncheckedFiles(onehotEncodeTask, ctx, onehotSchema.parse({ input_ds: { alice: p('calc.csv') }, features: texts, output_ds: { alice: p('onehot.csv') }, output_rule: { alice: p('onehot.json') } }));
  const t3 = performance.now();
  await cluster.endTask();
  const cpu = process.cpuUsage(c0);
  process.stdout.write(`${JSON.stringify({
    cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
    fillna_ms: Math.round(t1 - t0), calculate_ms: Math.round(t2 - t1), onehot_ms: Math.round(t3 - t2), total_ms: Math.round(t3 - t0),
    max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`);
} finally {
  await cluster.shutdown();
}
