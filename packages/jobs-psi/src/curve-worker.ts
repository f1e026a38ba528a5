// Piscina worker: one party's X25519 scalar work, spread over the machine's cores.
// The party's secret scalar arrives once in workerData (it never leaves the party's process).
import { workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { X25519Scalar } from './curve.ts';
import type { PackedKeys } from './packed-keys.ts';

export type CurveTask =
  | { readonly op: 'blindKeys'; readonly keys: PackedKeys }
  | { readonly op: 'mul'; readonly points: Uint8Array; readonly outBytes: number };

const scalar = new X25519Scalar((workerData as { secret: Uint8Array }).secret);

export default function curveTask(task: CurveTask): unknown {
  const out = task.op === 'blindKeys' ? scalar.blindKeys(task.keys) : scalar.mul(task.points, task.outBytes);
  return Piscina.move(out);
}
