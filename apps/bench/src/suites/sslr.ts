// `pnpm bench sslr`: SS-LR training (SecretFlow ss_sgd, SEMI2K FM64, TTP dealer) as the real job on
// a real Cluster: 50,000 x 100 features split 50/50, 10 epochs, batch 1024, t1 sigmoid; and the
// bundled breast_cancer (545 rows, 30 features, batch 64). Each record carries the secure AUC next to
// the AUC of the float64 reference trained with the same hyperparameters, the max weight difference,
// and train/predict CPU ms (process.cpuUsage over all threads: steadier than wall time on a loaded
// box). Training uses SecureML fixed-mask products (docs/spu-masked.md), prediction the
// private-block product (docs/spu-private.md: each party's block stays at its own rank). train_ms
// includes reading the CSVs and secret-sharing the features, predict_ms reading them again, the
// scores and the receiver's output file. Needs built JS (`pnpm run build`).
import type { BenchSuite } from '../suite.ts';
import { SSLR_BENCH_CASES, benchSslr } from '../sslr-job.ts';

const suite: BenchSuite = {
  name: 'sslr',
  description: 'SS-LR train + predict on a cluster: 50000x100 split 50/50, 10 epochs, batch 1024, t1 (targets on 2 cores: train <= 7 s, predict <= 1 s); breast_cancer 10 epochs (< 1 s); secure vs plaintext AUC',
  async run({ quick, emit }) {
    const results = await benchSslr(quick ? SSLR_BENCH_CASES.quick : SSLR_BENCH_CASES.full);
    for (const r of results) {
      emit({ ...r, suite: 'sslr', case: r.case, n: r.n, parties: 2, field: 'FM64', median_ms: Math.round(r.train_ms), reps: 1 });
    }
  },
};

export default suite;
