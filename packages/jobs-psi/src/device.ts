// Device module loaded into every party thread: `psi.run` is one party's side of the PSI job.
// Errors come back as values (kind + config field + our own message) rather than thrown, so the
// driver can report the first real cause (e.g. a missing key column at alice) instead of the
// peer's "aborted" echo, and as the right executor error class.
import { defineDeviceModule } from '@sfw/runtime/device';
import type { PyuContext } from '@sfw/runtime/device';
import { PsiParameterError } from './errors.ts';
import type { PsiLink } from './link.ts';
import { runPsiParty } from './party.ts';
import type { PartyPlan, PsiPartyReport } from './plan.ts';

export type PartyOutcome =
  | { readonly ok: true; readonly report: PsiPartyReport }
  | { readonly ok: false; readonly kind: 'parameter'; readonly field: string; readonly message: string }
  | { readonly ok: false; readonly kind: 'execution'; readonly peerAborted: boolean; readonly message: string };

/** The runtime's party-to-party link, bound to the peer and to this run's channel. */
export function pyuLink(ctx: PyuContext, peer: string, channel: string): PsiLink {
  return {
    send: (data) => ctx.send(peer, data, channel),
    recv: () => ctx.recv<Uint8Array>(peer, channel),
  };
}

export async function runOnPyu(ctx: PyuContext, plan: PartyPlan, runId: string): Promise<PartyOutcome> {
  if (plan.self !== ctx.party) throw new Error('psi.run called on the wrong party thread');
  try {
    const report = await runPsiParty(
      {
        link: pyuLink(ctx, plan.peer, `psi-${runId}`),
        taskDir: ctx.taskDir,
        signal: ctx.signal,
        progress: (f, m) => ctx.progress(f, m),
      },
      plan,
    );
    return { ok: true, report };
  } catch (err) {
    if (err instanceof PsiParameterError) return { ok: false, kind: 'parameter', field: err.field, message: err.message };
    const message = err instanceof Error ? err.message : 'unknown error';
    return { ok: false, kind: 'execution', peerAborted: message.startsWith('peer party aborted'), message };
  }
}

export default defineDeviceModule('psi', { pyu: { run: runOnPyu } });
