// PrivateTensor: a 2-D block of plaintext that one SPU rank holds for its own party (the party's
// feature columns, say), fixed-point encoded. Every rank of a program has one with the same public
// owner and shape, but only the owner's carries the values: the others hold none, and nothing here
// ever sends them. Opaque like SecretTensor (no coercion, JSON or printing of values), because the
// owner's copy is that party's private data. Kernels reach the values through `privateValues`.
import { inspect } from 'node:util';
import { Opaque } from './opaque.ts';
import type { RingTensor } from '@sfw/ring';

let readValues: (t: PrivateTensor) => RingTensor | undefined;

export class PrivateTensor extends Opaque {
  readonly #values: RingTensor | undefined;
  /** The rank holding the values (public). */
  readonly owner: number;
  /** [rows, cols] (public). */
  readonly shape: readonly [number, number];

  static {
    readValues = (t) => t.#values;
  }

  /** Package-internal: use SpuContext.privateInput (programs) or importPrivate (runtimes). */
  constructor(owner: number, shape: readonly [number, number], values: RingTensor | undefined) {
    super();
    this.owner = owner;
    this.shape = [shape[0], shape[1]];
    this.#values = values;
    Object.freeze(this);
  }

  /** Whether this rank holds the values (it is the owner). */
  get held(): boolean {
    return this.#values !== undefined;
  }

  protected refusal(): string {
    return 'PrivateTensor cannot be coerced, printed or serialised';
  }

  [inspect.custom](): string {
    return `PrivateTensor<rank ${this.owner}>[${this.shape.join(', ')}]`;
  }
}

/** The owner's encoded values (undefined at every other rank). Package code only. */
export function privateValues(t: PrivateTensor): RingTensor | undefined {
  return readValues(t);
}
