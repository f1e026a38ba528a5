// What one party runs: the task config resolved for one side (party.ts consumes it).
import type { PsiProtocol } from './core.ts';

export type JoinType = 'inner_join' | 'left_join' | 'full_join' | 'difference';

export interface PartyPlan {
  readonly self: string;
  readonly peer: string;
  /** This party holds input_ds1 (first in `input`): its rows are the outer loop of duplicate expansion. */
  readonly selfIsDs1: boolean;
  readonly path: string;
  readonly keys: readonly string[];
  readonly ownKeysDuplicated: boolean;
  readonly peerKeysDuplicated: boolean;
  readonly joinType: JoinType;
  /** Party whose unmatched rows a left join keeps. */
  readonly leftSide: string | null;
  readonly selfReceives: boolean;
  readonly peerReceives: boolean;
  readonly sortResult: boolean;
  readonly allowEmptyResult: boolean;
  /** Output CSV path (receivers only). */
  readonly outputPath: string | null;
  /** Rows per bucket (SecretFlow's bucket_size); more rows than this => spill to buckets. */
  readonly bucketSize: number;
  /** Keys per curve batch. */
  readonly batchSize: number;
  /** Bucket protocol (default 'ecdh'); joins and output are the same for every protocol. */
  readonly protocol?: PsiProtocol;
  /** Operator bounds on the input table (rows after the header, columns). */
  readonly maxRows?: number;
  readonly maxColumns?: number;
  /** Curve threads for this party (0 = inline); default max(1, cores / 2). */
  readonly threads?: number;
}

export interface PsiPartyReport {
  readonly party: string;
  readonly original_count: number;
  /** Rows in this party's output, or -1 for a party that receives no result (SecretFlow's convention). */
  readonly intersection_count: number;
}
