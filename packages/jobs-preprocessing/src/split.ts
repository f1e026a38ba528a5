// train_test_split: every party computes the same row permutation from the shared public seed
// (`random_state`), so the train and test files of all parties stay row-aligned with no row values
// exchanged. Sizes as scikit-learn's ShuffleSplit: n_test = ceil(test_size * n), n_train =
// floor(train_size * n); shuffled: test = perm[0, n_test), train = perm[n_test, n_test + n_train);
// unshuffled: train = the first n_train rows, test = the next n_test. seedrandom is fine here: the
// permutation is public sampling, not a secret.
import seedrandom from 'seedrandom';

export function splitSizes(n: number, trainSize: number, testSize: number): { nTrain: number; nTest: number } {
  // A tiny tolerance so that 0.25 * 400 stays 100 under floating point.
  const nTest = Math.ceil(testSize * n - 1e-9);
  const nTrain = Math.floor(trainSize * n + 1e-9);
  return { nTrain, nTest };
}

export function splitIndices(n: number, trainSize: number, testSize: number, seed: number, shuffle: boolean): { train: Uint32Array; test: Uint32Array } {
  const { nTrain, nTest } = splitSizes(n, trainSize, testSize);
  const perm = Uint32Array.from({ length: n }, (_, i) => i);
  if (!shuffle) return { train: perm.slice(0, nTrain), test: perm.slice(nTrain, nTrain + nTest) };
  const rng = seedrandom(String(seed));
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  return { test: perm.slice(0, nTest), train: perm.slice(nTest, nTest + nTrain) };
}
