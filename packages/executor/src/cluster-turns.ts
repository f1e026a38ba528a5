// Turns on the shared cluster. `beginTask`/`endTask` bracket one task's state in every thread, so
// tasks that need the cluster take it one at a time, in arrival order. Waiting is abortable: a task
// revoked or timed out while it waits leaves the line and never touches the task holding the
// cluster; only the holder's own release hands the cluster on.
export class ClusterTurns {
  #busy = false;
  readonly #waiting: (() => void)[] = [];

  /** Resolves with this turn's release (idempotent) once the cluster is free; rejects with the
   *  signal's reason if `signal` aborts first. */
  take(signal?: AbortSignal): Promise<() => void> {
    return new Promise<() => void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as unknown);
        return;
      }
      if (!this.#busy) {
        this.#busy = true;
        resolve(this.#release());
        return;
      }
      const onAbort = (): void => {
        const i = this.#waiting.indexOf(grant);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal?.reason as unknown);
      };
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.#release());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(grant);
    });
  }

  /** Tasks waiting for a turn. */
  get waiting(): number {
    return this.#waiting.length;
  }

  #release(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#busy = false;
    };
  }
}
