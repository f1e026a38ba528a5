// The bulk side of a link: after the mutual TLS 1.3 handshake has authenticated both hosts, frames
// travel on a second TCP connection as AES-256-GCM records keyed from that TLS session's exporter
// (RFC 8446 section 7.5). One record carries one whole link frame, so the receiver decrypts a
// payload straight into the buffer that becomes it (one pass, no record-sized pieces to reassemble),
// and the sender encrypts from the payload where it lies (TLS copies it into its record buffer
// first). The argument that this is as strong as the TLS stream it replaces is in docs/security.md.
//
// Record: header `u32 len | u8 type | u32 headLen | u64 seq` (17 bytes, the AAD), then `len` bytes
// of ciphertext, then the 16-byte tag. The nonce is 4 zero bytes and the 64-bit sequence number,
// which counts records per direction from 0: the receiver computes it (the header's copy must
// agree), so a dropped, replayed or reordered record fails authentication. The first record each
// way is BIND (it proves the sender holds the session's keys), the last is CLOSE (so a cut stream
// is told from a finished one). `headLen` splits a frame's plaintext into its small wire header and
// its payload, so the payload is decrypted into a buffer of its own (transferable to a thread).
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { MAX_FRAME_BYTES } from './wire.ts';

/** ALPN names: the acceptor picks the first of its own list the dialler also offers. */
export const ALPN_AEAD = 'sfw-link-aead/1';
export const ALPN_TLS = 'sfw-link-tls/1';

/** First bytes of a bulk connection (a TLS connection starts with 0x16, a handshake record). */
export const BULK_MAGIC = Buffer.from('SFWB', 'latin1');
const ID_BYTES = 16;
/** Magic + channel id: what the acceptor reads to find the TLS session a bulk connection claims. */
export const PREFACE_BYTES = BULK_MAGIC.length + ID_BYTES;
const HEADER_BYTES = 17;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export const RecordType = { Bind: 1, Frame: 2, Close: 3 } as const;

/** Sequence numbers stop well before 2^64 (and within exact JS integers): the link fails instead. */
const MAX_SEQ = 2 ** 48;
/** Plaintext under one key before both sides step to the next (HMAC of the current one). */
const DEFAULT_REKEY_BYTES = 2 ** 34;

const CONTEXT = Buffer.from(ALPN_AEAD, 'latin1');

export interface ChannelKeys {
  /** Names the TLS session to the acceptor (an exporter output of its own label; not a secret). */
  readonly id: Buffer;
  readonly clientToServer: Buffer;
  readonly serverToClient: Buffer;
}

/** Keys of the bulk channel bound to this TLS session (distinct exporter labels per purpose). */
export function channelKeys(tls: TLSSocket): ChannelKeys {
  return {
    id: tls.exportKeyingMaterial(ID_BYTES, 'EXPORTER-sfw-link-aead channel id', CONTEXT),
    clientToServer: tls.exportKeyingMaterial(KEY_BYTES, 'EXPORTER-sfw-link-aead client to server', CONTEXT),
    serverToClient: tls.exportKeyingMaterial(KEY_BYTES, 'EXPORTER-sfw-link-aead server to client', CONTEXT),
  };
}

export class ChannelError extends Error {
  override readonly name = 'ChannelError';
}

const nextKey = (key: Buffer): Buffer => createHmac('sha256', key).update('sfw-link-aead rekey').digest();

function nonce(seq: number): Buffer {
  const n = Buffer.alloc(12);
  n.writeUInt32BE(Math.floor(seq / 2 ** 32), 4);
  n.writeUInt32BE(seq >>> 0, 8);
  return n;
}

/** One direction's key schedule: sequence numbers and the key in use. */
class Direction {
  #key: Buffer;
  #seq = 0;
  #bytes = 0;
  constructor(
    key: Buffer,
    readonly rekeyBytes: number,
  ) {
    this.#key = key;
  }

  get seq(): number {
    return this.#seq;
  }

  /** The key and nonce for the next record of `plain` bytes; advances the schedule. */
  take(plain: number): { key: Buffer; iv: Buffer; seq: number } {
    if (this.#seq >= MAX_SEQ) throw new ChannelError('record sequence exhausted');
    const out = { key: this.#key, iv: nonce(this.#seq), seq: this.#seq };
    this.#seq += 1;
    this.#bytes += plain;
    if (this.#bytes >= this.rekeyBytes) {
      this.#key = nextKey(this.#key);
      this.#bytes = 0;
    }
    return out;
  }
}

function header(len: number, type: number, headLen: number, seq: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER_BYTES);
  h.writeUInt32BE(len, 0);
  h.writeUInt8(type, 4);
  h.writeUInt32BE(headLen, 5);
  h.writeUInt32BE(Math.floor(seq / 2 ** 32), 9);
  h.writeUInt32BE(seq >>> 0, 13);
  return h;
}

/** Seal one record: [header, ciphertext pieces..., tag]. */
export function sealRecord(dir: Direction, type: number, head: Uint8Array, body: Uint8Array | null): Buffer[] {
  const len = head.byteLength + (body?.byteLength ?? 0);
  if (len > MAX_FRAME_BYTES + 64 * 1024) throw new RangeError(`record of ${len} bytes exceeds the link limit`);
  const { key, iv, seq } = dir.take(len);
  const h = header(len, type, head.byteLength, seq);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(h);
  const out = [h];
  if (head.byteLength > 0) out.push(c.update(head));
  if (body !== null && body.byteLength > 0) out.push(c.update(body));
  c.final();
  out.push(c.getAuthTag());
  return out;
}

export interface ChannelOptions {
  /** The socket is the dialler's (it encrypts with the client-to-server key). */
  readonly client: boolean;
  /** Plaintext under one key before rekeying (tests lower it). */
  readonly rekeyBytes?: number | undefined;
}

/** A record that opened: a frame's wire header and payload (the payload owns its buffer). */
export interface Opened {
  readonly type: number;
  readonly head: Buffer;
  readonly body: Uint8Array;
}

/**
 * The receive half: gathers each record's header, then its ciphertext and tag into a buffer reused
 * across records, then decrypts. Nothing is handed on before its tag has verified; any failure
 * throws (the connection is then dropped; the receiver never reads past a failed record).
 */
export class RecordReader {
  readonly #dir: Direction;
  readonly #head = Buffer.allocUnsafe(HEADER_BYTES);
  #have = 0;
  /** Ciphertext + tag of the record being read (null while reading a header). */
  #ct: Buffer | null = null;
  #need = 0;
  #filled = 0;
  #spare: Buffer | null = null;
  #closed = false;
  #failed = false;
  readonly #scratch = Buffer.allocUnsafe(64 * 1024);
  #direct = false;

  constructor(key: Buffer, rekeyBytes: number = DEFAULT_REKEY_BYTES) {
    this.#dir = new Direction(key, rekeyBytes);
  }

  /** An authenticated CLOSE has been read (the peer finished; nothing may follow). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Records opened so far (the first must be BIND). */
  get count(): number {
    return this.#dir.seq;
  }

  push(chunk: Uint8Array, out: (r: Opened) => void): void {
    let c = chunk;
    while (c.byteLength > 0) {
      if (this.#failed) throw new ChannelError('channel already failed');
      if (this.#closed) throw this.#fail('data after close');
      const ct = this.#ct;
      if (ct === null) {
        const take = Math.min(HEADER_BYTES - this.#have, c.byteLength);
        this.#head.set(c.subarray(0, take), this.#have);
        this.#have += take;
        c = c.subarray(take);
        if (this.#have === HEADER_BYTES) this.#startBody(out);
        continue;
      }
      const take = Math.min(this.#need - this.#filled, c.byteLength);
      ct.set(c.subarray(0, take), this.#filled);
      this.#filled += take;
      c = c.subarray(take);
      if (this.#filled === this.#need) this.#open(out);
    }
  }

  /** For `net.connect({ onread })`: reads of a record body land in the ciphertext buffer directly. */
  readonly onread = {
    buffer: (): Uint8Array => {
      const ct = this.#ct;
      this.#direct = ct !== null && !this.#failed && !this.#closed;
      return this.#direct ? ct!.subarray(this.#filled, this.#need) : this.#scratch;
    },
  };

  /** The `onread` callback's half: `n` bytes were read into the buffer `onread.buffer` returned. */
  read(n: number, buf: Uint8Array, out: (r: Opened) => void): void {
    if (!this.#direct) return this.push(buf.subarray(0, n), out);
    this.#filled += n;
    if (this.#filled === this.#need) this.#open(out);
  }

  #fail(why: string): ChannelError {
    this.#failed = true;
    return new ChannelError(why);
  }

  #startBody(out: (r: Opened) => void): void {
    const h = this.#head;
    const len = h.readUInt32BE(0);
    const type = h.readUInt8(4);
    const headLen = h.readUInt32BE(5);
    const seq = h.readUInt32BE(9) * 2 ** 32 + h.readUInt32BE(13);
    // Checked before anything is allocated: the length bound, the type, the expected sequence.
    if (len > MAX_FRAME_BYTES + 64 * 1024 || headLen > len) throw this.#fail('record length out of bounds');
    if (type !== RecordType.Frame && type !== RecordType.Bind && type !== RecordType.Close) throw this.#fail('unknown record type');
    if ((type === RecordType.Bind) !== (this.#dir.seq === 0) || seq !== this.#dir.seq) throw this.#fail('record out of sequence');
    if (type !== RecordType.Frame && len !== 0) throw this.#fail('record length out of bounds');
    const need = len + TAG_BYTES;
    const spare = this.#spare;
    this.#ct = spare !== null && spare.length >= need ? spare : Buffer.allocUnsafe(need);
    this.#need = need;
    this.#filled = 0;
    void out;
  }

  #open(out: (r: Opened) => void): void {
    const ct = this.#ct!;
    const h = Buffer.from(this.#head);
    const len = this.#need - TAG_BYTES;
    const type = h.readUInt8(4);
    const headLen = h.readUInt32BE(5);
    const { key, iv } = this.#dir.take(len);
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(h);
    let head: Buffer;
    let body: Uint8Array;
    try {
      head = headLen > 0 ? d.update(ct.subarray(0, headLen)) : Buffer.alloc(0);
      body = len > headLen ? d.update(ct.subarray(headLen, len)) : new Uint8Array(0);
      d.setAuthTag(ct.subarray(len, len + TAG_BYTES));
      d.final();
    } catch {
      throw this.#fail('record failed authentication');
    }
    // The ciphertext buffer is kept for the next record unless it is large.
    this.#spare = ct.length <= 4 * 1024 * 1024 ? ct : this.#spare;
    this.#ct = null;
    this.#have = 0;
    if (type === RecordType.Close) this.#closed = true;
    out({ type, head, body });
  }
}

/** The send half. */
export class RecordWriter {
  readonly #dir: Direction;
  constructor(key: Buffer, rekeyBytes: number = DEFAULT_REKEY_BYTES) {
    this.#dir = new Direction(key, rekeyBytes);
  }

  seal(type: number, head: Uint8Array, body: Uint8Array | null): Buffer[] {
    return sealRecord(this.#dir, type, head, body);
  }
}

/** Both halves of one side of a channel, from the session keys. */
export function channelHalves(keys: ChannelKeys, opts: ChannelOptions): { reader: RecordReader; writer: RecordWriter } {
  const [send, recv] = opts.client ? [keys.clientToServer, keys.serverToClient] : [keys.serverToClient, keys.clientToServer];
  return { reader: new RecordReader(recv, opts.rekeyBytes), writer: new RecordWriter(send, opts.rekeyBytes) };
}

/** The dialler's preface: magic, the channel id, then its BIND record. */
export function preface(keys: ChannelKeys, writer: RecordWriter): Buffer {
  return Buffer.concat([BULK_MAGIC, keys.id, ...writer.seal(RecordType.Bind, Buffer.alloc(0), null)]);
}

/** Parse a preface's channel id (null if the bytes are not a bulk preface). */
export function prefaceId(bytes: Buffer): Buffer | null {
  if (bytes.length < PREFACE_BYTES || !timingSafeEqual(bytes.subarray(0, BULK_MAGIC.length), BULK_MAGIC)) return null;
  return Buffer.from(bytes.subarray(BULK_MAGIC.length, PREFACE_BYTES));
}

/** Write sealed pieces as one gathered write (a plain TCP socket writes them without joining). */
export function writeRecord(socket: Socket, pieces: Buffer[], cb?: () => void): void {
  socket.cork();
  for (let i = 0; i < pieces.length - 1; i++) socket.write(pieces[i]!);
  socket.write(pieces[pieces.length - 1]!, cb === undefined ? undefined : () => cb());
  socket.uncork();
}
