// Two-party ECDH-PSI through @sfw/jobs-psi's library API: an in-memory link between the parties and
// curve work on a worker-thread pool started from the installed package's built files.
import { createCurveEngine, ecdhPsiBucket, memoryLinkPair, newSecretScalar } from '@sfw/jobs-psi';

const alice = Array.from({ length: 60 }, (_, i) => `id-${i * 2}`);
const bob = Array.from({ length: 45 }, (_, i) => `id-${i * 3}`);
const [la, lb] = memoryLinkPair();
const opt = { selfReceives: true, peerReceives: true, batchSize: 16, expectCounts: false } as const;
const ea = createCurveEngine(newSecretScalar(), { threads: 1 });
const eb = createCurveEngine(newSecretScalar(), { threads: 1 });
try {
  const [ra, rb] = await Promise.all([ecdhPsiBucket(la, ea, alice, opt), ecdhPsiBucket(lb, eb, bob, opt)]);
  const got = alice.filter((_, i) => ra.matched![i] !== 0);
  const gotB = bob.filter((_, i) => rb.matched![i] !== 0);
  process.stdout.write(`${JSON.stringify({ alice: got, bob: gotB })}\n`);
} finally {
  await ea.close();
  await eb.close();
}
