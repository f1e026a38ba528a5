// Device module for the link throughput case: one party streams `mb` MiB in 1 MiB messages to the
// other over the PYU party-to-party channel (thread -> link -> thread, the path every protocol uses).
import { defineDeviceModule, type PyuContext } from '@sfw/runtime';

const CHUNK = 1 << 20;

export default defineDeviceModule('blast', {
  pyu: {
    send: async (ctx: PyuContext, peer: string, mb: number) => {
      const chunk = new Uint8Array(CHUNK).fill(7);
      for (let i = 0; i < mb; i++) ctx.send(peer, chunk, 'blast');
      return await ctx.recv<number>(peer, 'blast-ack');
    },
    recv: async (ctx: PyuContext, peer: string, mb: number) => {
      let got = 0;
      for (let i = 0; i < mb; i++) got += (await ctx.recv<Uint8Array>(peer, 'blast')).byteLength;
      ctx.send(peer, got, 'blast-ack');
      return got;
    },
  },
});
