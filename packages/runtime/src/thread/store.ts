// Per-thread object store: object id -> promise of its value. Entries are set synchronously when the
// operation arrives (before any await), so an operation that names an earlier object always finds it;
// rejections are pre-handled so an unused failed object never becomes an unhandled rejection.
import { codedError, toErrorInfo } from '../errors.ts';

export class ObjectStore<T> {
  readonly #objects = new Map<number, Promise<T>>();

  constructor(private readonly label: string) {}

  /** Store the outcome of `p`, converting its failure into an ErrorInfo attributed to `fn`. */
  set(id: number, p: Promise<T>, fn: string): Promise<T> {
    const stored = p.catch((err: unknown) => {
      throw toErrorInfo(err, this.label, fn);
    });
    stored.catch(() => undefined);
    this.#objects.set(id, stored);
    return stored;
  }

  get(id: number): Promise<T> {
    const p = this.#objects.get(id);
    if (!p) {
      // Objects of an ended task, of another device, or never created all look the same here.
      return Promise.reject(codedError('OBJECT_NOT_FOUND', `object ${id} is not held by ${this.label} in this task`));
    }
    return p;
  }

  get size(): number {
    return this.#objects.size;
  }

  clear(): void {
    this.#objects.clear();
  }
}
