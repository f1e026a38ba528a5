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

function decodeControl(type: number, body: Uint8Array): WireMessage {
  switch (type) {
    case FrameType.Ping:
      return { type };
    case FrameType.Hello:
    case FrameType.Welcome:
    case FrameType.Refuse:
    case FrameType.End:
      return { type, json: JSON.parse(dec.decode(body)) as unknown };
    default:
      throw new Error(`unknown frame type ${type}`);
  }
}

function decodeData(kind: number, from: string, to: string, tag: string, payload: Uint8Array): WireMessage {
  // Epoch 0 here; the receiving side stamps the epoch of its own task.
  let frame: Frame;
  if (kind === KIND_BYTES) frame = { tag, epoch: 0, kind: 'bytes', payload };
  else if (kind === KIND_VALUE) frame = { tag, epoch: 0, kind: 'value', payload: deserialize(payload) as unknown };
  else frame = { tag, epoch: 0, kind: 'error', payload: deserialize(payload) as ErrorInfo };
  return { type: FrameType.Data, data: { from, to, frame } };
}

/** A fresh buffer of exactly `n` bytes that owns its ArrayBuffer (transferable without a copy). */
const ownBuffer = (n: number): Uint8Array => new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n);

/**
 * Incremental decoder: feed it socket chunks (TLS hands them over one record, at most 16 KiB, at a
 * time), it yields whole frames. The frame prefix and a DATA frame's header (a few dozen bytes) are
 * gathered in a small scratch buffer; the body is copied exactly once, straight into a buffer of its
 * final size that it owns alone, so a bytes payload goes on to a thread by transfer, without a copy.
 */
export class FrameDecoder {
  /** Prefix + header bytes gathered so far, and how many are wanted before the next parse step. */
  #head = Buffer.allocUnsafe(256);
  #have = 0;
  #want = 5;
  /** Which head field is being gathered: 0 prefix, 1 kind + from length, 2 from, 3 to, 4 tag. */
  #field = 0;
  #nameLen = 0;
  #len = 0;
  #type = 0;
  #kind = 0;
  #names: string[] = [];
  #body: Uint8Array | null = null;
  #filled = 0;

  push(chunk: Buffer, out: (m: WireMessage) => void): void {
    let c = chunk;
    // (An empty field completes the head without another byte: parse on even with nothing left.)
    while (c.length > 0 || (this.#body === null && this.#have === this.#want)) {
      if (this.#body !== null) {
        const body = this.#body;
        const take = Math.min(body.length - this.#filled, c.length);
        body.set(take === c.length ? c : c.subarray(0, take), this.#filled);
        this.#filled += take;
        c = c.subarray(take);
        if (this.#filled === body.length) this.#complete(out);
        continue;
      }
      const take = Math.min(this.#want - this.#have, c.length);
      c.copy(this.#head, this.#have, 0, take);
      this.#have += take;
      c = c.subarray(take);
      if (this.#have === this.#want) this.#step(out);
    }
  }

  /**
   * Where the next socket read may land directly: the unfilled rest of the body being assembled, or
   * null when the decoder is between bodies (the reader then uses a scratch buffer and `push`).
   */
  readTarget(): Uint8Array | null {
    const body = this.#body;
    return body === null || this.#filled === body.length ? null : body.subarray(this.#filled);
  }

  /** `n` bytes were read straight into the view `readTarget` returned. */
  advance(n: number, out: (m: WireMessage) => void): void {
    const body = this.#body!;
    this.#filled += n;
    if (this.#filled > body.length) throw new RangeError('read past the frame body');
    if (this.#filled === body.length) this.#complete(out);
  }

  /** The wanted head bytes are here: parse the field, then want the next one (or the body). */
  #step(out: (m: WireMessage) => void): void {
    const h = this.#head;
    const w = this.#want;
    switch (this.#field) {
      case 0: {
        const len = h.readUInt32BE(0);
        if (len < 1 || len > MAX_FRAME_BYTES) throw new RangeError(`frame length ${len} out of bounds`);
        this.#len = len;
        this.#type = h.readUInt8(4);
        if (this.#type !== FrameType.Data) return this.#startBody(len - 1, out);
        return this.#next(1, 3);
      }
      case 1:
        this.#kind = h.readUInt8(5);
        if (this.#kind > KIND_ERROR) throw new Error(`unknown data kind ${this.#kind}`);
        return this.#next(2, h.readUInt16BE(w - 2) + 2);
      case 2:
      case 3:
        this.#names.push(h.toString('utf8', w - 2 - this.#nameLen, w - 2));
        return this.#next(this.#field + 1, h.readUInt16BE(w - 2) + (this.#field === 2 ? 2 : 0));
      default:
        this.#names.push(h.toString('utf8', w - this.#nameLen, w));
        return this.#startBody(this.#len + 4 - w, out);
    }
  }

  #next(field: number, more: number): void {
    this.#field = field;
    this.#nameLen = field === 1 ? 0 : more - (field === 4 ? 0 : 2);
    this.#want += more;
    if (this.#want > this.#len + 4) throw new RangeError('frame header longer than the frame');
    if (this.#head.length < this.#want) this.#head = Buffer.concat([this.#head.subarray(0, this.#have)], this.#want);
  }

  #startBody(n: number, out: (m: WireMessage) => void): void {
    this.#body = ownBuffer(n);
    this.#filled = 0;
    if (n === 0) this.#complete(out);
  }

  #complete(out: (m: WireMessage) => void): void {
    const body = this.#body!;
    const names = this.#names;
    this.#body = null;
    this.#have = 0;
    this.#want = 5;
    this.#field = 0;
    this.#names = [];
    out(this.#type === FrameType.Data ? decodeData(this.#kind, names[0]!, names[1]!, names[2]!, body) : decodeControl(this.#type, body));
  }
}
