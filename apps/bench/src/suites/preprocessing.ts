// `pnpm bench preprocessing`: vert_woe_binning 100,000 rows x 50 features (25 per party), 10 bins,
// as the real job on a real Cluster (target <= 5 s on 2 cores); fillna + feature_calculate +
// onehot_encode streamed over 1,000,000 rows x 20 columns at one party (target <= 10 s, peak RSS
// < 1 GB, measured in a child process). `--quick`: 10,000 rows / 100,000 rows. Needs built JS.
import type { BenchSuite } from '../suite.ts';
import { benchStream, benchWoe } from '../prep-job.ts';

const suite: BenchSuite = {
  name: 'preprocessing',
  description: 'vert_woe_binning 100000x50 (25/25), 10 bins (target <= 5 s); fillna+feature_calculate+onehot_encode streamed over 1000000x20 (target <= 10 s, < 1 GB)',
  async run({ quick, emit }) {
    const w = await benchWoe(quick ? 10_000 : 100_000, 50, 10);
    emit({ suite: 'preprocessing', case: 'vert_woe_binning', n: w.n, parties: 2, field: 'FM64', median_ms: Math.round(w.woe_ms), reps: 1, features: w.d, bins: w.bins, cpu_ms: Math.round(w.woe_cpu_ms) });
    const s = await benchStream(quick ? 100_000 : 1_000_000);
    emit({ suite: 'preprocessing', case: 'fillna+feature_calculate+onehot_encode (streamed)', n: s.rows, parties: 1, median_ms: s.total_ms, reps: 1, ...s });
  },
};

export default suite;
