// `pnpm bench stats`: table_statistics on 1,000,000 x 20 at one party (target <= 5 s and < 1 GB), then
// ss_pearsonr and ss_vif on 100,000 x 50 split 25/25 (target <= 5 s each on 2 cores), FM64 and FM128.
// Times include reading the CSVs and secret-sharing. Needs built JS (`pnpm run build`).
import type { BenchSuite } from '../suite.ts';
import { benchCorrelation, benchTableStatistics } from '../stats-job.ts';

const suite: BenchSuite = {
  name: 'stats',
  description: 'table_statistics 1e6x20 (<= 5 s, < 1 GB); ss_pearsonr / ss_vif 1e5x50 split 25/25 (<= 5 s each), FM64 and FM128',
  async run({ quick, emit }) {
    // The table statistics case runs first, so the peak RSS is that of the streaming pass alone.
    const t = await benchTableStatistics(quick ? 100_000 : 1_000_000, 20);
    emit({ ...t, suite: 'stats', median_ms: Math.round(t.ms), reps: 1 });
    for (const r of await benchCorrelation(quick ? 10_000 : 100_000, 50, ['FM64', 'FM128'])) {
      emit({ ...r, suite: 'stats', parties: 2, median_ms: Math.round(r.ms), reps: 1 });
    }
  },
};

export default suite;
