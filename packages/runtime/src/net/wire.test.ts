// The frame decoder against every way TCP can cut a byte stream: frames split at each byte, several
// frames in one chunk, empty names and payloads. A bytes payload must own its buffer whole (the
// receiver transfers it to a thread; a view into a larger buffer would force a copy there).
import { describe, expect, it } from 'vitest';
import type { Frame } from '../link.ts';
import { encodeControl, encodeData, FrameDecoder, FrameType, type WireMessage } from './wire.ts';

const bytesFrame = (tag: string, n: number): Frame => ({ tag, epoch: 3, kind: 'bytes', payload: Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 255) });

function stream(): Buffer {
  return Buffer.concat([
    encodeControl(FrameType.Hello, { v: 1, task: 't' }),
    ...encodeData('alice:spu0', 'bob:spu1', bytesFrame('mul/1', 1000)),
    ...encodeData('', 'x', bytesFrame('', 0)),
    encodeControl(FrameType.Ping),
    ...encodeData('a', 'b', { tag: 'v', epoch: 1, kind: 'value', payload: { k: [1, 2.5, 'z'] } }),
    ...encodeData('a', 'b', { tag: 'e', epoch: 1, kind: 'error', payload: { code: 'PEER_LOST', device: 'alice', fn: 'f', errorName: 'Error', message: 'm' } }),
  ]);
}

function decodeIn(parts: Buffer[]): WireMessage[] {
  const d = new FrameDecoder();
  const got: WireMessage[] = [];
  for (const p of parts) d.push(p, (m) => got.push(m));
  return got;
}

function check(got: WireMessage[]): void {
  expect(got.map((m) => m.type)).toEqual([FrameType.Hello, FrameType.Data, FrameType.Data, FrameType.Ping, FrameType.Data, FrameType.Data]);
  const [hello, big, empty, , value, error] = got;
  expect(hello).toEqual({ type: FrameType.Hello, json: { v: 1, task: 't' } });
  if (big?.type !== FrameType.Data || empty?.type !== FrameType.Data || value?.type !== FrameType.Data || error?.type !== FrameType.Data) throw new Error('not data');
  expect(big.data.from).toBe('alice:spu0');
  expect(big.data.to).toBe('bob:spu1');
  expect(big.data.frame.tag).toBe('mul/1');
  const p = big.data.frame.payload as Uint8Array;
  expect(Buffer.from(p).equals(Buffer.from((bytesFrame('', 1000).payload as Uint8Array)))).toBe(true);
  expect(p.byteOffset).toBe(0);
  expect(p.byteLength).toBe(p.buffer.byteLength);
  expect(empty.data).toMatchObject({ from: '', to: 'x', frame: { tag: '', kind: 'bytes' } });
  expect((empty.data.frame.payload as Uint8Array).byteLength).toBe(0);
  expect(value.data.frame).toMatchObject({ kind: 'value', payload: { k: [1, 2.5, 'z'] } });
  expect(error.data.frame).toMatchObject({ kind: 'error', payload: { code: 'PEER_LOST', device: 'alice', fn: 'f', errorName: 'Error', message: 'm' } });
}

describe('FrameDecoder', () => {
  it('decodes a stream given whole', () => check(decodeIn([stream()])));

  it('decodes a stream cut at every byte', () => {
    const s = stream();
    check(decodeIn([...s].map((b) => Buffer.from([b]))));
  });

  it('decodes a stream cut at every position into two chunks', () => {
    const s = stream();
    for (let i = 1; i < s.length; i += 7) check(decodeIn([s.subarray(0, i), s.subarray(i)]));
  });

  it('decodes reads that land straight in the frame body (readTarget / advance), in any read size', () => {
    const s = stream();
    for (const size of [1, 3, 64, 1000, 16384]) {
      const d = new FrameDecoder();
      const got: WireMessage[] = [];
      let o = 0;
      while (o < s.length) {
        const target = d.readTarget();
        const n = Math.min(size, s.length - o, target?.length ?? size);
        if (target) {
          target.set(s.subarray(o, o + n)); // what the socket read does
          d.advance(n, (m) => got.push(m));
        } else d.push(s.subarray(o, o + n), (m) => got.push(m));
        o += n;
      }
      check(got);
    }
  });

  it('refuses a frame whose header claims more than the frame holds', () => {
    const bad = Buffer.from([0, 0, 0, 4, FrameType.Data, 0, 0, 9, 1, 2]);
    expect(() => decodeIn([bad])).toThrow(/header longer/);
  });

  it('refuses an out-of-bounds length and an unknown data kind', () => {
    expect(() => decodeIn([Buffer.from([0, 0, 0, 0, 1])])).toThrow(/out of bounds/);
    expect(() => decodeIn([Buffer.from([0, 0, 0, 9, FrameType.Data, 7, 0, 0])])).toThrow(/unknown data kind/);
  });
});
