// `pnpm bench psi-stream`: PROTOCOL_KKRT at 2^24 keys per side (50% overlap) through the streaming
// path: 16 buckets of 2^20 spilled to disk, each with fresh base OTs and OT extension, both
// parties on a runtime Cluster. Reports wall time, process CPU time and the process's peak RSS
// (both parties together; the per-party bound is half of it at most). Long: minutes on 2 cores.
import type { BenchSuite } from '../suite.ts';
import { benchPsiJob } from '../psi-kkrt-job.ts';

const suite: BenchSuite = {
  name: 'psi-stream',
  description: 'KKRT16 PSI job at 2^24 per side through 2^20-row buckets (streaming), peak RSS',
  async run({ quick, emit }) {
    const n = quick ? 1 << 14 : 1 << 24;
    const bucketSize = quick ? 1 << 12 : 1 << 20;
    const r = await benchPsiJob(n, 'kkrt', { mode: 'cluster', bucketSize });
    emit({
      suite: 'psi-stream', case: 'kkrt_job_streaming', n, parties: 2, median_ms: r.ms, reps: 1, cpu_ms: r.cpu_ms,
      buckets: r.buckets, peak_rss_mb: r.peak_rss_mb, intersection: r.intersection,
    });
  },
};

export default suite;
