// SecretTensor: this rank's share of a secret value plus its shape. Opaque on purpose (CrypTen's
// habit): it refuses coercion so that a share cannot end up in a log line, a JSON result or an
// `if`, and `util.inspect` shows the shape only. Protocol code reaches the share through
// `shareOf`, which only package code and the runtime (to move shares between threads) should use.
import { inspect } from 'node:util';
import { Opaque } from './opaque.ts';
import type { FieldType, RingTensor } from '@sfw/ring';

let readShare: (t: SecretTensor) => RingTensor;

export class SecretTensor extends Opaque {
  readonly #share: RingTensor;

  static {
    readShare = (t) => t.#share;
  }

  /** Wrap a share (package-internal; use SpuContext/importShare from outside). */
  constructor(share: RingTensor) {
    super();
    this.#share = share;
  }

  get shape(): readonly number[] {
    return this.#share.shape;
  }

  get size(): number {
    return this.#share.size;
  }

  get field(): FieldType {
    return this.#share.field;
  }

  protected refusal(): string {
    return 'SecretTensor cannot be coerced, printed or serialised; reveal it explicitly';
  }

  [inspect.custom](): string {
    return `SecretTensor<${this.#share.field}>[${this.#share.shape.join(', ')}]`;
  }
}

/** This rank's share (a RingTensor). Do not log it, do not return it from a job. */
export function shareOf(t: SecretTensor): RingTensor {
  return readShare(t);
}
