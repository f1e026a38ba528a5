// `pnpm bench psi`: ECDH-PSI over X25519, the whole two-party job (CSV in, aligned CSVs out) at
// 2^16, 2^18, 2^20 keys per side with 50% overlap, each party on its own cluster thread as the psi
// task runs, curve work on piscina pools (one thread per party on 2 cores); CPU time is split into
// the curve's share (a same-run microbenchmark) and the rest. OpenMined psi.js (WASM, P-256) runs
// at 2^14 and 2^16 in the same run for the per-element comparison.
// PROTOCOL_KKRT runs the same job at 2^16, 2^18, 2^20 on a runtime Cluster (one thread per party,
// as the psi task runs) and once more in one thread over a counting link for the bytes per element.
// Each case checks the intersection size before it is reported. Timings on a shared box are noisy:
// cpu_ms (all threads of the process) is the steadier figure. SFW_BENCH_PSI_CASES=kkrt_job keeps
// only the named cases (kkrt_job, kkrt_job_one_thread, ecdh_x25519_job, ecdh_x25519_bytes,
// openmined_psi_js), SFW_BENCH_PSI_SIZES=20 only those log2 sizes of ours.
import { X25519Scalar, newSecretScalar } from '@sfw/jobs-psi';
import { onlyCases } from '../suite.ts';
import type { BenchSuite } from '../suite.ts';
import { benchEcdhPsi, benchOpenMinedPsi } from '../psi-job.ts';
import { benchPsiJob } from '../psi-kkrt-job.ts';

/** CPU microseconds of one party's curve work per key (hash to point and blind, then re-blind a
 *  peer point), median of 5 batches of 4096 keys on this thread. */
function curveCpuPerKey(): { usPerKey: number } {
  const scalar = new X25519Scalar(newSecretScalar());
  const keys = Array.from({ length: 4096 }, (_, i) => `id-${i.toString(16).padStart(8, '0')}-${i}`);
  const times: number[] = [];
  for (let r = 0; r < 6; r++) {
    const u0 = process.cpuUsage();
    scalar.mul(scalar.blindKeys(keys), 16);
    const u = process.cpuUsage(u0);
    if (r > 0) times.push((u.user + u.system) / keys.length);
  }
  times.sort((a, b) => a - b);
  return { usPerKey: Math.round(times[times.length >> 1]! * 100) / 100 };
}

const suite: BenchSuite = {
  name: 'psi',
  description: 'KKRT16 and ECDH-PSI (X25519) jobs at 2^16/2^18/2^20 per side, 50% overlap; OpenMined psi.js at 2^14/2^16',
  async run({ quick, emit }) {
    const only = onlyCases('SFW_BENCH_PSI_CASES');
    const want = (c: string) => only === undefined || only.includes(c);
    const sizes = onlyCases('SFW_BENCH_PSI_SIZES')?.map((x) => 1 << Number(x));
    const ours = sizes ?? (quick ? [1 << 12] : [1 << 16, 1 << 18, 1 << 20]);
    for (const n of ours) {
      if (want('kkrt_job')) {
        const c = await benchPsiJob(n, 'kkrt', { mode: 'cluster' });
        emit({
          suite: 'psi', case: 'kkrt_job', n, parties: 2, median_ms: c.ms, reps: 1, cpu_ms: c.cpu_ms,
          peak_rss_mb: c.peak_rss_mb, intersection: c.intersection, us_per_element: (1000 * c.ms) / n,
        });
      }
      if (want('kkrt_job_one_thread')) {
        const i = await benchPsiJob(n, 'kkrt', { mode: 'inline' });
        emit({
          suite: 'psi', case: 'kkrt_job_one_thread', n, parties: 2, median_ms: i.ms, reps: 1, cpu_ms: i.cpu_ms,
          bytes_sent: i.bytes_sent, bytes_per_element: i.bytes_per_element, intersection: i.intersection,
        });
      }
    }
    const theirs = quick ? [1 << 10] : [1 << 14, 1 << 16];
    const perElement = new Map<number, number>();
    // The curve's cost per element on this machine, measured in the same run: 2 scalar
    // multiplications and 1 hash per key per party. Against the job's CPU it gives the share of the
    // non-curve work (CSV in/out, grouping, shuffling, the hash map), which a loaded machine cannot
    // hide the way it hides idle cores.
    const curve = want('ecdh_x25519_job') ? curveCpuPerKey() : { usPerKey: Number.NaN };
    for (const n of want('ecdh_x25519_job') ? ours : []) {
      // Each party on its own cluster thread, as the psi task runs: the two parties' CSV, grouping
      // and output phases overlap on the two cores, and so do their curve pools.
      const r = await benchPsiJob(n, 'ecdh', { mode: 'cluster' });
      perElement.set(n, r.ms / n);
      const curveCpuMs = 2 * n * curve.usPerKey / 1000;
      emit({
        suite: 'psi', case: 'ecdh_x25519_job', n, parties: 2, median_ms: r.ms, reps: 1, cpu_ms: r.cpu_ms,
        curve_cpu_ms: Math.round(curveCpuMs), curve_us_per_key: curve.usPerKey, non_curve_share: Math.round((1 - curveCpuMs / r.cpu_ms) * 1000) / 1000,
        // The target's measure: the non-curve work on top of the curve work.
        non_curve_over_curve: Math.round((r.cpu_ms / curveCpuMs - 1) * 1000) / 1000,
        // Curve pools (threads started by the run) vs party threads + driver + V8 helpers.
        curve_threads_cpu_ms: Math.round(r.new_threads_cpu_ms), other_threads_cpu_ms: Math.round(r.old_threads_cpu_ms),
        two_core_floor_ms: Math.round(r.cpu_ms / 2), peak_rss_mb: r.peak_rss_mb, us_per_element: (1000 * r.ms) / n, intersection: r.intersection,
      });
    }
    // Link bytes: the in-thread run over a counting link (the party-thread links keep no counters).
    const b = want('ecdh_x25519_bytes') ? await benchEcdhPsi(quick ? 1 << 10 : 1 << 14) : null;
    if (b) emit({ suite: 'psi', case: 'ecdh_x25519_bytes', n: b.n, parties: 2, median_ms: b.ms, reps: 1, bytes_sent: b.bytes_sent, bytes_per_element: b.bytes_sent / b.n, rounds: 3, intersection: b.intersection });
    for (const n of want('openmined_psi_js') ? theirs : []) {
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
