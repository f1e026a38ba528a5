// PrivateTensor: a 2-D block of plaintext that one SPU rank holds for its own party (the party's
// feature columns, say), fixed-point encoded. Every rank of a program has one with the same public
// owner and shape, but only the owner's carries the values: the others hold none, and nothing here
// ever sends them. Opaque like SecretTensor (no coercion, JSON or printing of values), because the
// owner's copy is that party's private data. Kernels reach the values through `privateValues`.
import { inspect } from 'node:util';
import { Opaque } from './opaque.ts';
import { LIMBS, makeTensor, type FieldType, type RingTensor } from '@sfw/ring';

let readValues: (t: PrivateTensor) => RingTensor | undefined;
let readBits: (t: PrivateTensor) => Uint8Array | undefined;

export class PrivateTensor extends Opaque {
  #values: RingTensor | undefined;
  /** A 0/1 block kept as one byte per element (the ring form is made only if a kernel asks). */
  readonly #bits: Uint8Array | undefined;
  readonly #field: FieldType | undefined;
  /** The rank holding the values (public). */
  readonly owner: number;
  /** [rows, cols] (public). */
  readonly shape: readonly [number, number];

  static {
    readValues = (t) => {
      if (t.#values === undefined && t.#bits !== undefined) {
        const v = makeTensor(t.#field!, t.shape);
        const l = LIMBS[t.#field!];
        t.#bits.forEach((b, i) => {
          if (b !== 0) v.data[i * l] = 1n;
        });
        t.#values = v;
      }
      return t.#values;
    };
    readBits = (t) => t.#bits;
  }

  /** Package-internal: use SpuContext.privateInput (programs) or importPrivate (runtimes). */
  constructor(owner: number, shape: readonly [number, number], values: RingTensor | undefined, bits?: { field: FieldType; bits: Uint8Array }) {
    super();
    this.owner = owner;
    this.shape = [shape[0], shape[1]];
    this.#values = values;
    this.#bits = bits?.bits;
    this.#field = bits?.field;
    Object.freeze(this);
  }

  /** Whether this rank holds the values (it is the owner). */
  get held(): boolean {
    return this.#values !== undefined || this.#bits !== undefined;
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

/** The owner's 0/1 bytes when the block was entered as indicators (undefined otherwise). Package code only. */
export function privateBits(t: PrivateTensor): Uint8Array | undefined {
  return readBits(t);
}
