// The party-to-party link PSI runs over: the runtime's PyuContext `send(peer, bytes)` /
// `recv(peer)` bound to the one peer, or an in-memory pair in tests. FIFO per direction.
//
// Every message carries a one-byte tag so a desynchronised protocol fails loudly instead of
// misreading points as counts. The tags and every message's layout: docs/psi-wire.md.
import { PsiExecutionError } from './errors.ts';

export interface PsiLink {
  send(data: Uint8Array): void;
  recv(): Promise<Uint8Array>;
}

export const Tag = { Json: 1, Points: 2, Counts: 3, Ot: 4, Abort: 9 } as const;
export type Tag = (typeof Tag)[keyof typeof Tag];

export function sendTagged(link: PsiLink, tag: Tag, body: Uint8Array): void {
  const msg = new Uint8Array(body.length + 1);
  msg[0] = tag;
  msg.set(body, 1);
  link.send(msg);
}

export async function recvTagged(link: PsiLink, tag: Tag): Promise<Uint8Array> {
  const msg = await link.recv();
  if (msg[0] === Tag.Abort) {
    // The peer failed (bad input, protocol error): fail here too instead of waiting forever.
    throw new PsiExecutionError(`peer party aborted PSI: ${new TextDecoder().decode(msg.subarray(1))}`);
  }
  if (msg[0] !== tag) throw new Error(`PSI protocol out of step: expected message tag ${tag}, got ${msg[0]}`);
  return msg.subarray(1);
}

export function sendJson(link: PsiLink, value: unknown): void {
  sendTagged(link, Tag.Json, new TextEncoder().encode(JSON.stringify(value)));
}

export async function recvJson<T>(link: PsiLink): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await recvTagged(link, Tag.Json))) as T;
}

export function sendCounts(link: PsiLink, counts: Int32Array): void {
  sendTagged(link, Tag.Counts, new Uint8Array(counts.buffer, counts.byteOffset, counts.byteLength));
}

export async function recvCounts(link: PsiLink): Promise<Int32Array> {
  const body = (await recvTagged(link, Tag.Counts)).slice();
  return new Int32Array(body.buffer, 0, body.byteLength / 4);
}

/** Two connected in-memory endpoints (tests, and single-process benchmarks). */
export function memoryLinkPair(): [PsiLink, PsiLink] {
  const make = () => {
    const queue: Uint8Array[] = [];
    const waiters: ((m: Uint8Array) => void)[] = [];
    return {
      push(m: Uint8Array) {
        const w = waiters.shift();
        if (w) w(m);
        else queue.push(m);
      },
      pull(): Promise<Uint8Array> {
        const m = queue.shift();
        return m ? Promise.resolve(m) : new Promise((r) => waiters.push(r));
      },
    };
  };
  const aToB = make();
  const bToA = make();
  return [
    { send: (d) => aToB.push(d), recv: () => bToA.pull() },
    { send: (d) => bToA.push(d), recv: () => aToB.pull() },
  ];
}

/** Tells the peer this party failed; carries only an error name/field, never data. */
export function sendAbort(link: PsiLink, reason: string): void {
  sendTagged(link, Tag.Abort, new TextEncoder().encode(reason));
}
