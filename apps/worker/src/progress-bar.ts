// A one-line progress bar for `run` and `submit` on a TTY (no dependency: a dozen lines).
export class ProgressBar {
  readonly #out: NodeJS.WriteStream;
  #shown = false;

  constructor(out: NodeJS.WriteStream = process.stderr) {
    this.#out = out;
  }

  get enabled(): boolean {
    return this.#out.isTTY;
  }

  update(percent: number, message = ''): void {
    if (!this.enabled) return;
    const width = 30;
    const filled = Math.round((Math.min(100, Math.max(0, percent)) / 100) * width);
    const cols = this.#out.columns > 0 ? this.#out.columns : 80;
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent.toFixed(0).padStart(3)}% ${message}`;
    this.#out.write(`\r${line.slice(0, cols - 1).padEnd(cols - 1)}`);
    this.#shown = true;
  }

  done(): void {
    if (this.#shown) this.#out.write('\n');
    this.#shown = false;
  }
}
