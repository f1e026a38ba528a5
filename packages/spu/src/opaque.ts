// The base of the handles that stand for secret or private data (SecretTensor, PrivateTensor). Every
// implicit conversion throws, so a handle cannot end up in a log line, a JSON result, a template
// string or an `if`; each subclass says what its refusal message is and what `util.inspect` may show
// (public facts only: shape, owner).
export abstract class Opaque {
  /** The TypeError message of every refused conversion. */
  protected abstract refusal(): string;

  valueOf(): never {
    throw new TypeError(this.refusal());
  }

  toString(): never {
    throw new TypeError(this.refusal());
  }

  toJSON(): never {
    throw new TypeError(this.refusal());
  }

  [Symbol.toPrimitive](): never {
    throw new TypeError(this.refusal());
  }
}
