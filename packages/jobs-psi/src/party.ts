// One party's side of the PSI job: read keys (streaming, bucketed), run the PSI core per bucket with
// the peer, expand duplicates, write the aligned output CSV, report counts. The hello, the bucket
// split and the count exchange on the wire: docs/psi-wire.md.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { createPsiCore } from './core.ts';
import { PsiExecutionError, PsiParameterError } from './errors.ts';
import { groupRows, GroupList } from './groups.ts';
import { KeyStore } from './keystore.ts';
import { keyColumnIndexes, readInput } from './input.ts';
import { recvCounts, recvJson, sendAbort, sendCounts, sendJson } from './link.ts';
import type { PsiLink } from './link.ts';
import { CsvOutput, RowSource } from './output.ts';
import type { PartyPlan, PsiPartyReport } from './plan.ts';

export interface PsiPartyContext {
  readonly link: PsiLink;
  /** Per-task scratch directory (bucket spill files). */
  readonly taskDir?: string;
  readonly signal?: AbortSignal;
  progress?(fraction: number, message?: string): void;
}

/** Below this many rows per side the curve work stays on the party thread (~0.4 s at 2^12). */
const INLINE_BELOW_ROWS = 4096;

interface Hello {
  rows: number;
  seed: string;
  keyCount: number;
}

export async function runPsiParty(ctx: PsiPartyContext, plan: PartyPlan): Promise<PsiPartyReport> {
  try {
    return await runParty(ctx, plan);
  } catch (err) {
    // Tell the peer, so it fails too instead of waiting on a message that never comes.
    const reason = err instanceof PsiParameterError ? `invalid parameter ${err.field}` : 'party error';
    try {
      sendAbort(ctx.link, `${plan.self}: ${reason}`);
    } catch {
      // link already gone; the peer learns from the runtime
    }
    throw err;
  }
}

async function runParty(ctx: PsiPartyContext, plan: PartyPlan): Promise<PsiPartyReport> {
  const { link } = ctx;
  const inputField = `input.${plan.self}.path`;
  const header = await readInput(plan.path, inputField);
  const keyIdx = keyColumnIndexes(header.columns, plan.keys, `input.${plan.self}.keys`);
  if (plan.maxColumns !== undefined && header.columns.length > plan.maxColumns) throw new PsiParameterError(inputField, `the table has more than ${plan.maxColumns} columns (the limit on this worker)`);
  const rows = header.numRows;
  if (plan.maxRows !== undefined && rows > plan.maxRows) throw new PsiParameterError(inputField, `the table has more than ${plan.maxRows} rows (the limit on this worker)`);
  const seed = randomBytes(16);

  sendJson(link, { rows, seed: seed.toString('hex'), keyCount: plan.keys.length } satisfies Hello);
  const peer = await recvJson<Hello>(link);
  if (peer.keyCount !== plan.keys.length) {
    throw new PsiParameterError(`input.${plan.self}.keys`, 'both parties must use the same number of key columns');
  }
  // Both parties contribute to the bucket seed, so neither can steer keys into chosen buckets.
  const seeds = plan.selfIsDs1 ? [seed, Buffer.from(peer.seed, 'hex')] : [Buffer.from(peer.seed, 'hex'), seed];
  const bucketSeed = createHash('sha256').update(seeds[0]!).update(seeds[1]!).digest();
  const nBuckets = Math.max(1, Math.ceil(Math.max(rows, peer.rows) / plan.bucketSize));

  const store = await KeyStore.build({
    path: plan.path,
    keyIndexes: keyIdx,
    nBuckets,
    bucketSeed,
    spillDir: ctx.taskDir ?? tmpdir(),
    field: inputField,
  });
  // Small inputs run inline: starting worker threads costs more than the curve work itself.
  const maxRows = Math.max(rows, peer.rows);
  const engineOpts = plan.threads !== undefined ? { threads: plan.threads } : maxRows < INLINE_BELOW_ROWS ? { threads: 0 } : {};
  const core = createPsiCore(plan.protocol ?? 'ecdh', { selfIsDs1: plan.selfIsDs1, curve: engineOpts });
  const matched = new GroupList();
  const unmatched = new GroupList();
  // The own unmatched rows are written only by a difference, a full join, and the left side of a
  // left join; any other join keeps no state for them (half the groups at 50% overlap, which is
  // most of a party's memory when the input streams through many buckets).
  const keepUnmatched = plan.joinType === 'difference' || plan.joinType === 'full_join' || (plan.joinType === 'left_join' && plan.leftSide === plan.self);
  const dupField = plan.selfIsDs1 ? 'input_ds1_keys_duplicated' : 'input_ds2_keys_duplicated';
  const singleReceiver = plan.selfReceives !== plan.peerReceives;
  try {
    for (let b = 0; b < nBuckets; b += 1) {
      ctx.signal?.throwIfAborted();
      const bucketRows = store.load(b);
      const groups = groupRows(bucketRows);
      if (!plan.ownKeysDuplicated && groups.maxCount > 1) {
        throw new PsiParameterError(dupField, 'the input has duplicate keys but is declared duplicate-free');
      }
      let counts: Int32Array | undefined;
      if (singleReceiver && plan.peerReceives && plan.ownKeysDuplicated) {
        counts = new Int32Array(groups.keys.count);
        for (let g = 0; g < counts.length; g += 1) counts[g] = groups.start[g + 1]! - groups.start[g]!;
      }
      let lastReported = -1;
      const res = await core.bucket(link, groups.keys, {
        selfReceives: plan.selfReceives,
        peerReceives: plan.peerReceives,
        batchSize: plan.batchSize,
        ...(counts ? { sendCounts: counts } : {}),
        expectCounts: singleReceiver && plan.selfReceives && plan.peerKeysDuplicated,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onBatch: (done, total) => {
          const f = (b + done / Math.max(total, 1)) / nBuckets;
          if (f - lastReported >= 0.02) {
            lastReported = f;
            ctx.progress?.(0.95 * f, `PSI bucket ${b + 1}/${nBuckets}`);
          }
        },
      });
      if (!res.matched) continue;
      for (let g = 0; g < groups.keys.count; g += 1) {
        const hit = res.matched[g] !== 0;
        if (hit || keepUnmatched) (hit ? matched : unmatched).add(bucketRows, groups, g, res.peerCounts ? res.peerCounts[g]! : 1);
      }
    }
  } finally {
    store.dispose();
    await core.close();
  }

  if (!plan.selfReceives) return { party: plan.self, original_count: rows, intersection_count: -1 };

  // Both receive: the intersection keys are common knowledge now, so duplicate counts are
  // exchanged for those keys only, in sorted key order.
  const byKey = matched.order(true);
  if (!singleReceiver) {
    if (plan.ownKeysDuplicated) sendCounts(link, Int32Array.from(byKey, (g) => matched.rowCount(g)));
    if (plan.peerKeysDuplicated) {
      const peerCounts = await recvCounts(link);
      if (peerCounts.length !== byKey.length) throw new PsiExecutionError('PSI protocol out of step: count vector length');
      byKey.forEach((g, i) => (matched.peerCount[g] = peerCounts[i]!));
    }
  }
  let peerMatchedRows = 0;
  for (let g = 0; g < matched.size; g += 1) peerMatchedRows += matched.peerCount[g]!;
  const peerUnmatchedRows = peer.rows - peerMatchedRows;

  ctx.progress?.(0.96, 'writing output');
  const written = writeOutput(plan, header.columns, matched, unmatched, peerUnmatchedRows, byKey);
  if (written === 0 && !plan.allowEmptyResult) {
    throw new PsiExecutionError('PSI result is empty and allow_empty_result is false');
  }
  ctx.progress?.(1, 'done');
  return { party: plan.self, original_count: rows, intersection_count: written };
}

function writeOutput(
  plan: PartyPlan,
  columns: readonly string[],
  matched: GroupList,
  unmatched: GroupList,
  peerUnmatchedRows: number,
  matchedByKey: Int32Array,
): number {
  if (!plan.outputPath) throw new PsiParameterError(`output.${plan.self}`, 'a receiver party needs an output path');
  mkdirSync(dirname(plan.outputPath), { recursive: true });
  const src = new RowSource(plan.path);
  const out = new CsvOutput(plan.outputPath, columns);
  const writeGroupRows = (list: GroupList, g: number, times: number) => {
    for (let i = list.start[g]!; i < list.start[g + 1]!; i += 1) out.writeRowFrom(src, list.rowOffset[i]!, list.rowLength[i]!, times);
  };
  try {
    if (plan.joinType !== 'difference') {
      // Cartesian product per key, ds1 rows as the outer loop: ds1 writes each row c2 times,
      // ds2 writes its c2 rows c1 times, so row i of both files is the same (ds1 row, ds2 row) pair.
      const order = plan.sortResult ? matchedByKey : matched.order(false);
      for (const g of order) {
        const peerCount = matched.peerCount[g]!;
        if (plan.selfIsDs1) writeGroupRows(matched, g, peerCount);
        else for (let t = 0; t < peerCount; t += 1) writeGroupRows(matched, g, 1);
      }
    }
    const ownRest = () => {
      for (const g of unmatched.order(plan.sortResult)) writeGroupRows(unmatched, g, 1);
    };
    switch (plan.joinType) {
      case 'inner_join':
        break;
      case 'left_join':
        if (plan.leftSide === plan.self) ownRest();
        else out.writeNullRows(peerUnmatchedRows);
        break;
      case 'full_join':
        if (plan.selfIsDs1) {
          ownRest();
          out.writeNullRows(peerUnmatchedRows);
        } else {
          out.writeNullRows(peerUnmatchedRows);
          ownRest();
        }
        break;
      case 'difference':
        ownRest();
        break;
    }
    return out.rows;
  } finally {
    out.close();
    src.close();
  }
}
