// What a registered PYU function receives as its first argument.

export interface PyuContext {
  /** This party's name. */
  readonly party: string;
  /** All parties of the cluster, sorted (SPU rank i is parties[i]). */
  readonly parties: readonly string[];
  /** Id given to `cluster.beginTask` (empty outside a task). */
  readonly taskId: string;
  /** Per-task, per-party temp directory under os.tmpdir(); created on first use, removed at endTask. */
  readonly taskDir: string;
  /** Fires at the soft time limit (`cluster.abortTask`) or when the task ends; stop work promptly. */
  readonly signal: AbortSignal;
  /** Report progress in [0, 1]; forwarded to `cluster.onProgress` listeners. No data values in `message`. */
  progress(fraction: number, message?: string): void;
  /**
   * Party-to-party link for two-party protocols (e.g. PSI). `data` is bytes or any structured-clone
   * value; `channel` separates concurrent conversations between the same two parties (default
   * `"default"`). Sending to a party is a disclosure to that party: send only protocol messages.
   */
  send(party: string, data: unknown, channel?: string): void;
  recv<T = unknown>(party: string, channel?: string): Promise<T>;
}

export const p2pTag = (channel: string): string => `p2p:${channel}`;
