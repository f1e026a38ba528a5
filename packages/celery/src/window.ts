// The prefetch window: which held messages occupy a seat. A message takes a seat when it is popped
// and gives it back when it settles, or while it waits for its ETA (Celery's increment_eventually:
// an ETA-held message does not stop the worker from reserving more). Seats are keyed by delivery
// tag, so giving a seat back is idempotent: a message settled twice, or one that never got a seat,
// cannot shrink the window below what is really held, and a lost release cannot grow unnoticed.
export class PrefetchWindow {
  readonly #seats = new Set<string>();
  #wake: (() => void) | undefined;

  constructor(readonly size: number) {}

  get used(): number {
    return this.#seats.size;
  }

  get room(): number {
    return Math.max(0, this.size - this.#seats.size);
  }

  has(tag: string): boolean {
    return this.#seats.has(tag);
  }

  seat(tag: string): void {
    this.#seats.add(tag);
  }

  unseat(tag: string): void {
    if (this.#seats.delete(tag)) this.interrupt();
  }

  /** Resolves when a seat is free (at once if one is) or when `interrupt()` is called. */
  waitForRoom(): Promise<void> {
    if (this.room > 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
  }

  /** Wake a waiting `waitForRoom` (a seat was freed, or the worker is stopping). */
  interrupt(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
