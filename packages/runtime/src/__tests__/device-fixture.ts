// Test-only device module exercising the thread machinery (not shipped: __tests__ is not built).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineDeviceModule, type DeviceModuleSpec } from '../module.ts';
import type { PyuContext } from '../context.ts';

interface StandInCtx {
  readonly rank: number;
  readonly comm: { send(to: number, d: Uint8Array): void; recv(from: number): Promise<Uint8Array>; worldSize: number };
}
interface StandInTensor {
  readonly shares: BigUint64Array;
  readonly shape: readonly number[];
}

export default defineDeviceModule('t', {
  pyu: {
    echo: (_ctx: PyuContext, x: unknown) => x,
    add: (_ctx: PyuContext, a: number, b: number) => a + b,
    whoami: (ctx: PyuContext) => ({ party: ctx.party, parties: ctx.parties, taskId: ctx.taskId }),
    column: (_ctx: PyuContext, values: number[]) => Float64Array.from(values),
    // Both parties must be inside this function at the same time, or neither returns.
    rendezvous: async (ctx: PyuContext, peer: string) => {
      ctx.send(peer, `hello from ${ctx.party}`, 'rdv');
      return await ctx.recv<string>(peer, 'rdv');
    },
    sendOnly: (ctx: PyuContext, peer: string, value: string) => {
      ctx.send(peer, value, 'leak');
      return true;
    },
    recvOnly: (ctx: PyuContext, peer: string) => ctx.recv<string>(peer, 'leak'),
    // Ignores its abort signal and sends after a delay (a misbehaving function outliving its task).
    lateSend: async (ctx: PyuContext, peer: string, ms: number) => {
      await new Promise((r) => setTimeout(r, ms));
      ctx.send(peer, 'late message of an ended task', 'leak');
      return true;
    },
    fail: () => {
      throw new RangeError('row 123456.789 has value 987654321 out of range');
    },
    crash: () => {
      process.exit(3);
    },
    uncaught: () => {
      setTimeout(() => {
        throw new Error('boom outside any call');
      }, 5);
      return new Promise(() => undefined);
    },
    writeTaskFile: async (ctx: PyuContext, name: string) => {
      const path = join(ctx.taskDir, name);
      await writeFile(path, 'task data');
      return path;
    },
    progress: (ctx: PyuContext) => {
      ctx.progress(0.5, 'half way');
      return 1;
    },
    waitAbort: (ctx: PyuContext) =>
      new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('aborted'), { once: true })),
  },
  // The stand-in backend's context and tensors are not @sfw/spu's, hence the cast.
  spu: {
    // Local (communication-free) addition of shares.
    add: (_spu: StandInCtx, xs: StandInTensor[]) => {
      const [a, b] = xs as [StandInTensor, StandInTensor];
      const out = new BigUint64Array(a.shares.length);
      for (let i = 0; i < out.length; i++) out[i] = BigInt.asUintN(64, a.shares[i]! + b.shares[i]!);
      return [{ shares: out, shape: a.shape }];
    },
    // Exercises Comm: every rank sends its share to every other rank and to the dealer, then adds
    // up what it receives (an "open" - only acceptable in this fixture), and returns `scale * x` as a
    // fresh sharing (rank 0 holds the value, others zero).
    openScale: async (spu: StandInCtx, xs: StandInTensor[], pub: { scale: number }) => {
      const x = xs[0]!;
      const { comm, rank } = spu;
      const bytes = new Uint8Array(x.shares.buffer.slice(0));
      for (let r = 0; r < comm.worldSize; r++) if (r !== rank) comm.send(r, bytes.slice());
      comm.send(comm.worldSize, Uint8Array.of(rank)); // ask the dealer for a token
      const sum = x.shares.slice();
      for (let r = 0; r < comm.worldSize; r++) {
        if (r === rank) continue;
        const other = new BigUint64Array((await comm.recv(r)).slice().buffer);
        for (let i = 0; i < sum.length; i++) sum[i] = BigInt.asUintN(64, sum[i]! + other[i]!);
      }
      const token = await comm.recv(comm.worldSize);
      if (token.length !== 8) throw new Error('dealer token has the wrong size');
      const out = new BigUint64Array(sum.length);
      if (rank === 0) for (let i = 0; i < out.length; i++) out[i] = BigInt.asUintN(64, sum[i]! * BigInt(pub.scale));
      return [{ shares: out, shape: x.shape }];
    },
    failOnRank1: async (spu: StandInCtx, xs: StandInTensor[]) => {
      if (spu.rank === 1) throw new Error('rank 1 gives up');
      await spu.comm.recv(1); // would wait forever without the runtime aborting the run
      return xs;
    },
  } as unknown as NonNullable<DeviceModuleSpec['spu']>,
});
