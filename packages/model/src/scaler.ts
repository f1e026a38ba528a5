// A party's private scaler: the mean and population std of each of its own feature columns, fitted
// at training and kept in that party's copy of the model directory (never shared). Whoever reads the
// model's features again (prediction, the Wald statistics) standardizes them with the same numbers.
import { readFilePinned } from '@sfw/data';
import { z } from 'zod';

const scalerSchema = z.object({ mean: z.record(z.string(), z.number()), std: z.record(z.string(), z.number()) });
export type Scaler = z.output<typeof scalerSchema>;

export async function readScaler(path: string): Promise<Scaler> {
  return scalerSchema.parse(JSON.parse(await readFilePinned(path, 'utf8')));
}
