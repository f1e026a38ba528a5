// The TTP dealer endpoint's loop: runs on its own endpoint (id = worldSize), holds no party data,
// and only ever sees PRG seeds and correlation requests (kind + public shapes). Whether a protocol
// needs a dealer at all is its record's business (../../dealer.ts asks protocol.ts).
//
// Seed establishment: each rank draws its seed from the OS CSPRNG (ring's randomSeed) and sends it
// to the dealer at session start. We chose rank-generated seeds over dealer-generated ones so that
// the same message flow serves TFP (ranks send seeds to rank 0, as SPU's TrustedFirstParty does) and
// so that a rank never depends on the dealer for the entropy of its own stream. Over threads the
// link is in-process; across hosts the link must be encrypted (SPU encrypts seeds to the beaver
// server with SM2) - that is the runtime's transport concern, not this file's.
import type { Comm } from '../../comm.ts';
import type { ResolvedSpuConfig } from '../../config.ts';
import type { CorrelationTable } from '../correlation.ts';
import { ADJUST_RANK, DealerCore } from './core.ts';
import { TAG_END, TAG_REQUEST, TAG_SESSION, dealerErrorMessage, parseRequest, parseSeed } from './wire.ts';

export interface DealerHandle {
  /** Resolves when stop() is called (or rejects if the dealer hits a protocol error). */
  readonly done: Promise<void>;
  stop(): void;
}

/** Serves the correlations of `kinds` to the ranks of `comm` until stop(). */
export function serveCorrelations(cfg: ResolvedSpuConfig, comm: Comm, kinds: CorrelationTable): DealerHandle {
  let stopped = false;
  let release: () => void = () => undefined;
  const stoppedP = new Promise<void>((r) => (release = r));
  const loop = async (): Promise<void> => {
    let core: DealerCore | undefined;
    while (!stopped) {
      // After stop() this recv may stay pending forever; `done` no longer waits for it (see below).
      const msg = await comm.recv(ADJUST_RANK);
      if (stopped) return;
      const tag = msg[0] ?? 0;
      switch (tag) {
        case TAG_SESSION: {
          const seeds: Uint8Array[] = new Array<Uint8Array>(comm.worldSize);
          seeds[ADJUST_RANK] = parseSeed(msg);
          for (let j = 0; j < comm.worldSize; j++) if (j !== ADJUST_RANK) seeds[j] = parseSeed(await comm.recv(j));
          // Answers are reused once released when they reach rank 0 as the same memory: any buffer on
          // an in-thread hub, shared memory between threads.
          const sharesAll = comm.sharesBuffers === true;
          const sharedOnly = !sharesAll && comm.sharesSharedMemory === true;
          core = new DealerCore(cfg.field, seeds, kinds, { reuseAnswers: sharesAll || sharedOnly, sharedAnswers: sharedOnly });
          break;
        }
        case TAG_REQUEST: {
          if (core === undefined) throw new Error('dealer: request before session start');
          let answer: Uint8Array;
          try {
            const { kind, params } = parseRequest(msg);
            answer = core.generate(kind, params);
          } catch (e) {
            // Unblock rank 0 (it fails with a clear error), then fail the dealer itself.
            comm.send(ADJUST_RANK, dealerErrorMessage());
            throw e;
          }
          comm.send(ADJUST_RANK, answer);
          break;
        }
        case TAG_END:
          core = undefined; // forget the seeds of the finished session
          break;
        default:
          throw new Error('dealer: unknown message tag');
      }
    }
  };
  // One race for the whole life of the dealer (not one per message, which would pile reactions
  // onto the pending stop promise).
  const done = Promise.race([loop(), stoppedP]);
  return {
    done,
    stop: () => {
      stopped = true;
      release();
    },
  };
}
