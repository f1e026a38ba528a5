// Revoked task ids, bounded in count and age as Celery bounds them (50,000 ids kept for 3 h), so a
// flood of revoke commands cannot grow the worker's memory without limit. The revoke command on the
// wire: docs/celery-wire.md "Remote control (pidbox)".
const REVOKED_MAX = 50_000;
const REVOKED_TTL_MS = 3 * 3600 * 1000;

export class RevokedSet {
  readonly #until = new Map<string, number>();

  add(ids: readonly string[], now = Date.now()): void {
    for (const id of ids) {
      this.#until.delete(id);
      this.#until.set(id, now + REVOKED_TTL_MS);
    }
    while (this.#until.size > REVOKED_MAX) {
      const first = this.#until.keys().next();
      if (first.done) break;
      this.#until.delete(first.value);
    }
  }

  has(id: string, now = Date.now()): boolean {
    const t = this.#until.get(id);
    if (t === undefined) return false;
    if (t < now) {
      this.#until.delete(id);
      return false;
    }
    return true;
  }
}
