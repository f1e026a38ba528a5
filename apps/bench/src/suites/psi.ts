// `pnpm bench psi`: ECDH-PSI over X25519, the whole two-party job (CSV in, aligned CSVs out) at
// 2^16, 2^18, 2^20 keys per side with 50% overlap, both parties in this process over an in-memory
// link, curve work on piscina pools (one thread per party on 2 cores). OpenMined psi.js (WASM,
// P-256) runs at 2^14 and 2^16 in the same run for the per-element comparison.
// Each case checks the intersection size before it is reported. Timings on a shared box are noisy.
import type { BenchSuite } from '../suite.ts';
import { benchEcdhPsi, benchOpenMinedPsi } from '../psi-job.ts';

const suite: BenchSuite = {
  name: 'psi',
  description: 'ECDH-PSI (X25519) job at 2^16/2^18/2^20 per side, 50% overlap; OpenMined psi.js at 2^14/2^16',
  async run({ quick, emit }) {
    const ours = quick ? [1 << 12] : [1 << 16, 1 << 18, 1 << 20];
    const theirs = quick ? [1 << 10] : [1 << 14, 1 << 16];
    const perElement = new Map<number, number>();
    for (const n of ours) {
      const r = await benchEcdhPsi(n);
      perElement.set(n, r.ms / n);
      emit({
        suite: 'psi', case: 'ecdh_x25519_job', n, parties: 2, median_ms: r.ms, reps: 1,
        bytes_sent: r.bytes_sent, rounds: 3, us_per_element: (1000 * r.ms) / n, intersection: r.intersection,
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
