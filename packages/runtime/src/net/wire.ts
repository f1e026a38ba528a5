// Length-prefixed frames on a TLS stream. Every frame is `u32 length | u8 type | body`; the length
// counts type and body. DATA frames carry the runtime's existing link Frames between two endpoints
// (`from`, `to`, `tag`, kind, payload) so nothing above the link changes; the rest is link control
// (hello/welcome bind the connection to one task, ping keeps an idle link provably alive, end says
// the peer finished the task cleanly).
import { deserialize, serialize } from 'node:v8';
import type { ErrorInfo } from '../errors.ts';
import type { EndpointId, Frame } from '../link.ts';

export const FrameType = { Hello: 1, Welcome: 2, Data: 3, Ping: 4, End: 5, Refuse: 6 } as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** Upper bound of one frame (a 2^24-element FM128 tensor share is 256 MiB). */
export const MAX_FRAME_BYTES = 512 * 1024 * 1024;

const KIND_BYTES = 0;
const KIND_VALUE = 1;
const KIND_ERROR = 2;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A DATA frame as it travels: the link Frame without its epoch (each side stamps its own). */
export interface WireData {
  readonly from: EndpointId;
  readonly to: EndpointId;
  readonly frame: Frame;
}

export type WireMessage =
  | { readonly type: typeof FrameType.Data; readonly data: WireData }
  | { readonly type: typeof FrameType.Hello | typeof FrameType.Welcome | typeof FrameType.Refuse | typeof FrameType.End; readonly json: unknown }
  | { readonly type: typeof FrameType.Ping };

/** Encode a control frame (JSON body). */
export function encodeControl(type: FrameType, json: unknown = null): Buffer {
  const body = type === FrameType.Ping ? Buffer.alloc(0) : Buffer.from(JSON.stringify(json), 'utf8');
  const out = Buffer.allocUnsafe(5 + body.length);
  out.writeUInt32BE(1 + body.length, 0);
  out.writeUInt8(type, 4);
  body.copy(out, 5);
  return out;
}

/**
 * Encode a DATA frame as [header, payload] so a large byte payload is written without a copy. Header:
 * u32 len | u8 type | u8 kind | u16 fromLen | from | u16 toLen | to | u16 tagLen | tag.
 */
export function encodeData(from: EndpointId, to: EndpointId, frame: Frame): Buffer[] {
  const f = enc.encode(from);
  const t = enc.encode(to);
  const g = enc.encode(frame.tag);
  let kind: number;
  let payload: Uint8Array;
  if (frame.kind === 'bytes') {
    kind = KIND_BYTES;
    payload = frame.payload;
  } else {
    kind = frame.kind === 'value' ? KIND_VALUE : KIND_ERROR;
    payload = serialize(frame.payload);
  }
  const headLen = 4 + 1 + 1 + 2 + f.length + 2 + t.length + 2 + g.length;
  const total = headLen - 4 + payload.byteLength;
  if (total > MAX_FRAME_BYTES) throw new RangeError(`frame of ${total} bytes exceeds the link limit of ${MAX_FRAME_BYTES}`);
  const h = Buffer.allocUnsafe(headLen);
  let o = h.writeUInt32BE(total, 0);
  o = h.writeUInt8(FrameType.Data, o);
  o = h.writeUInt8(kind, o);
  for (const s of [f, t, g]) {
    o = h.writeUInt16BE(s.length, o);
    h.set(s, o);
    o += s.length;
  }
  return [h, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)];
}

function decodeBody(type: number, body: Uint8Array): WireMessage {
  switch (type) {
    case FrameType.Ping:
      return { type };
    case FrameType.Hello:
    case FrameType.Welcome:
    case FrameType.Refuse:
    case FrameType.End:
      return { type, json: JSON.parse(dec.decode(body)) as unknown };
    case FrameType.Data: {
      const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
      const kind = body[0]!;
      let o = 1;
      const str = (): string => {
        const n = view.getUint16(o);
        const s = dec.decode(body.subarray(o + 2, o + 2 + n));
        o += 2 + n;
        return s;
      };
      const from = str();
      const to = str();
      const tag = str();
      const rest = body.subarray(o);
      // Epoch 0 here; the receiving side stamps the epoch of its own task.
      let frame: Frame;
      if (kind === KIND_BYTES) frame = { tag, epoch: 0, kind: 'bytes', payload: rest };
      else if (kind === KIND_VALUE) frame = { tag, epoch: 0, kind: 'value', payload: deserialize(rest) as unknown };
      else if (kind === KIND_ERROR) frame = { tag, epoch: 0, kind: 'error', payload: deserialize(rest) as ErrorInfo };
      else throw new Error(`unknown data kind ${kind}`);
      return { type, data: { from, to, frame } };
    }
    default:
      throw new Error(`unknown frame type ${type}`);
  }
}

/**
 * Incremental decoder: feed it socket chunks, it yields whole frames. A large frame is assembled in
 * one buffer of its final size (each TLS record copied once), and the payload of a bytes frame is a
 * view of that buffer, which owns it alone (so it can be transferred to a thread without a copy).
 */
export class FrameDecoder {
  #head: Buffer = Buffer.alloc(0);
  #body: Uint8Array | null = null;
  #type = 0;
  #filled = 0;

  push(chunk: Buffer, out: (m: WireMessage) => void): void {
    let c = chunk;
    while (c.length > 0) {
      if (this.#body === null) {
        const need = 5 - this.#head.length;
        const take = Math.min(need, c.length);
        this.#head = this.#head.length === 0 && take === 5 ? c.subarray(0, 5) : Buffer.concat([this.#head, c.subarray(0, take)]);
        c = c.subarray(take);
        if (this.#head.length < 5) return;
        const len = this.#head.readUInt32BE(0);
        if (len < 1 || len > MAX_FRAME_BYTES) throw new RangeError(`frame length ${len} out of bounds`);
        this.#type = this.#head.readUInt8(4);
        this.#body = new Uint8Array(len - 1);
        this.#filled = 0;
        this.#head = Buffer.alloc(0);
      }
      const body = this.#body;
      const take = Math.min(body.length - this.#filled, c.length);
      body.set(c.subarray(0, take), this.#filled);
      this.#filled += take;
      c = c.subarray(take);
      if (this.#filled === body.length) {
        this.#body = null;
        out(decodeBody(this.#type, body));
      }
    }
  }
}
