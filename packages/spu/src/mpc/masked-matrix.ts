// The handle a rank keeps for a fixed-mask matrix: the public E = X - U, this rank's share of U
// (SEMI2K), or the plaintext X (REF2K), and the dealer handle. Opaque like SecretTensor: no
// coercion or JSON (E is public, but U's share is secret and the two together give X's share).
import { inspect } from 'node:util';
import type { RingTensor } from '@sfw/ring';

export interface MaskedState {
  /** Public E = X - U (SEMI2K) or this rank's REF2K plaintext X. */
  readonly e: RingTensor;
  /** This rank's additive share of U; undefined for REF2K. */
  readonly u: RingTensor | undefined;
  /** Public label of U in the dealer's table (only the adjust rank's is sent). */
  readonly handle: string;
  released: boolean;
}

const states = new WeakMap<MaskedMatrix, MaskedState>();

export class MaskedMatrix {
  readonly shape: readonly [number, number];
  constructor(state: MaskedState) {
    this.shape = [state.e.shape[0]!, state.e.shape[1]!];
    states.set(this, state);
    Object.freeze(this);
  }
  toJSON(): never {
    throw new TypeError('MaskedMatrix cannot be serialised');
  }
  valueOf(): never {
    throw new TypeError('MaskedMatrix has no primitive value');
  }
  toString(): string {
    return `MaskedMatrix[${this.shape.join(', ')}]`;
  }
  [Symbol.toPrimitive](): never {
    throw new TypeError('MaskedMatrix has no primitive value');
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

export function maskedState(m: MaskedMatrix): MaskedState {
  const s = states.get(m);
  if (s === undefined) throw new TypeError('not a MaskedMatrix');
  if (s.released) throw new Error('MaskedMatrix was released');
  return s;
}
