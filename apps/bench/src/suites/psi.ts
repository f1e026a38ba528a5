// `pnpm bench psi`: ECDH-PSI over X25519, the whole two-party job (CSV in, aligned CSVs out) at
// 2^16, 2^18, 2^20 keys per side with 50% overlap, both parties in this process over an in-memory
// link, curve work on piscina pools (one thread per party on 2 cores). OpenMined psi.js (WASM,
// P-256) runs at 2^14 and 2^16 in the same run for the per-element comparison.
// PROTOCOL_KKRT runs the same job at 2^16, 2^18, 2^20 on a runtime Cluster (one thread per party,
// as the psi task runs) and once more in one thread over a counting link for the bytes per element.
// Each case checks the intersection size before it is reported. Timings on a shared box are noisy:
// cpu_ms (all threads of the process) is the steadier figure.
import type { BenchSuite } from '../suite.ts';
import { benchEcdhPsi, benchOpenMinedPsi } from '../psi-job.ts';
import { benchPsiJob } from '../psi-kkrt-job.ts';

const suite: BenchSuite = {
  name: 'psi',
  description: 'KKRT16 and ECDH-PSI (X25519) jobs at 2^16/2^18/2^20 per side, 50% overlap; OpenMined psi.js at 2^14/2^16',
  async run({ quick, emit }) {
    const ours = quick ? [1 << 12] : [1 << 16, 1 << 18, 1 << 20];
    for (const n of ours) {
      const c = await benchPsiJob(n, 'kkrt', { mode: 'cluster' });
      const i = await benchPsiJob(n, 'kkrt', { mode: 'inline' });
      emit({
        suite: 'psi', case: 'kkrt_job', n, parties: 2, median_ms: c.ms, reps: 1, cpu_ms: c.cpu_ms,
        peak_rss_mb: c.peak_rss_mb, intersection: c.intersection, us_per_element: (1000 * c.ms) / n,
      });
      emit({
        suite: 'psi', case: 'kkrt_job_one_thread', n, parties: 2, median_ms: i.ms, reps: 1, cpu_ms: i.cpu_ms,
        bytes_sent: i.bytes_sent, bytes_per_element: i.bytes_per_element, intersection: i.intersection,
      });
    }
    const theirs = quick ? [1 << 10] : [1 << 14, 1 << 16];
    const perElement = new Map<number, number>();
    for (const n of ours) {
      const r = await benchEcdhPsi(n);
      perElement.set(n, r.ms / n);
      emit({
        suite: 'psi', case: 'ecdh_x25519_job', n, parties: 2, median_ms: r.ms, reps: 1,
        bytes_sent: r.bytes_sent, bytes_per_element: r.bytes_sent / n, rounds: 3, us_per_element: (1000 * r.ms) / n, intersection: r.intersection,
      });
    }
    for (const n of theirs) {
      const r = await benchOpenMinedPsi(n);
      if (r === null) {
        emit({ suite: 'psi', case: 'openmined_psi_js', n, median_ms: Number.NaN, reps: 0, skipped: '@openmined/psi.js not installed' });
        continue;
      }
      // Per-element ratio against our smallest measured size (our cost per element falls with n).
      const oursPer = perElement.get(n) ?? Math.min(...perElement.values());
      emit({
        suite: 'psi', case: 'openmined_psi_js', n, parties: 2, median_ms: r.ms, reps: 1, intersection: r.intersection,
        us_per_element: (1000 * r.ms) / n, speedup_per_element: r.ms / n / oursPer,
      });
    }
  },
};

export default suite;
