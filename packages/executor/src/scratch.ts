// A task's scratch directory, made on first use: most tasks never touch it, and a light task (hello,
// health_check) should not pay a mkdir and a recursive rm on the worker's hot path for it.
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { DeviceInitializationError } from './errors.ts';

export class ScratchDir {
  #made = false;

  constructor(readonly dir: string) {}

  /** The directory, created (owner only) on the first call. */
  path(): string {
    if (!this.#made) {
      try {
        mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      } catch (err) {
        throw new DeviceInitializationError('the task scratch directory could not be created', { cause: err });
      }
      this.#made = true;
    }
    return this.dir;
  }

  /** Removes it with everything in it, if it was made. Never rejects. */
  async remove(): Promise<void> {
    if (this.#made) await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
