// Dealer correlations for fixed-mask matrix products (Mohassel & Zhang, "SecureML", IEEE S&P 2017,
// section 4.1, "vectorization" with a fixed mask): a data matrix X used in many products is masked
// ONCE by a uniform U; every later product X_b . w only needs a fresh mask V for w and Z = U_b . V.
//
//   masked.fixedMatrix  random u [n, d]          | derived: none
//                       Each rank's share of U is its next PRG draw, so U costs no dealer traffic;
//                       the dealer, replaying every rank's stream, learns U and keeps it in its table
//                       under a public handle (a random label, no data) until masked.release.
//   masked.vecTriple    random v [d,k] ('right') or [b,k] ('left'), k = 1 unless asked
//                       | derived z = U_b . v [b,k] ('right') or U_b^T . v [d,k] ('left'),
//                       U_b = rows [r0, r1) of the stored U. Fresh per product.
//   masked.release      no parts: drops the dealer's copy of U.
//
// The table is per endpoint thread (the dealer thread in TTP, rank 0 in TFP) and outlives one dealer
// session, so a matrix masked in one SPU run serves later runs of the same cluster. It is bounded
// (oldest entries evicted) so an aborted job cannot grow it without limit.
import { LIMBS, clone, makeTensor, matmul, transpose, type FieldType, type RingTensor } from '@sfw/ring';
import { SpuError } from '../config.ts';
import { asRecord, parseDims, correlationKind, type CorrelationKind } from './correlation.ts';

/** At most this many masked matrices are kept per dealer endpoint (oldest evicted first). */
export const MAX_MASKED_MATRICES = 4;
/** At most this many secret columns per product. */
export const MAX_VEC_COLUMNS = 1024;

const HANDLE_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Stored {
  readonly field: FieldType;
  readonly u: RingTensor;
}
const table = new Map<string, Stored>();

/** Number of masked matrices this endpoint's dealer currently holds (tests). */
export function dealerMaskedCount(): number {
  return table.size;
}

function parseHandle(raw: unknown): string {
  if (typeof raw !== 'string' || !HANDLE_RE.test(raw)) throw new SpuError("correlation parameter 'handle' must be a UUID");
  return raw;
}

/** Rows [r0, r1) of a row-major matrix as a view (no copy). */
export function rowsView(t: RingTensor, r0: number, r1: number): RingTensor {
  const d = t.shape[1]!;
  const l = LIMBS[t.field];
  return makeTensor(t.field, [r1 - r0, d], t.data.subarray(r0 * d * l, r1 * d * l));
}

/**
 * M^T . V for M [b, d] and V [b, k]: [d, k]. For k = 1, v^T [1, b] . M [b, d] has the layout of the
 * column [d, 1]; for k > 1 the product runs as V^T M (rows of M streamed once for all k columns).
 */
export function matvecT(m: RingTensor, v: RingTensor): RingTensor {
  const b = m.shape[0]!, d = m.shape[1]!;
  const k = v.size / b;
  if (k === 1) {
    const out = matmul(makeTensor(v.field, [1, b], v.data), m);
    return makeTensor(out.field, [d, 1], out.data);
  }
  return transpose(matmul(transpose(makeTensor(v.field, [b, k], v.data)), m));
}

interface FixedParams {
  handle: string;
  n: number;
  d: number;
}
interface VecParams {
  handle: string;
  d: number;
  r0: number;
  r1: number;
  side: 'right' | 'left';
  /** Columns of the secret operand (several vectors against one mask in one product). */
  k: number;
}

/** The fixed-mask kinds (the masked matrix U, its vector triples, release). */
export const MASKED_KINDS: readonly CorrelationKind[] = [
  correlationKind<FixedParams>('masked.fixedMatrix', {
    parse(raw) {
      const r = asRecord(raw);
      const [n, d] = parseDims(r.shape, 'shape', 2) as [number, number];
      return { handle: parseHandle(r.handle), n, d };
    },
    random: (p, field) => [{ name: 'u', field, shape: [p.n, p.d], sharing: 'additive' }],
    derived: () => [],
    derive(p, field, r) {
      // The dealer recycles its scratch after derive(): keep a private copy of U.
      table.delete(p.handle);
      table.set(p.handle, { field, u: clone(r.u!) });
      while (table.size > MAX_MASKED_MATRICES) table.delete(table.keys().next().value!);
      return {};
    },
  }),
  correlationKind<VecParams>('masked.vecTriple', {
    parse(raw) {
      const r = asRecord(raw);
      const [r0, r1] = parseDims(r.rows, 'rows', 2) as [number, number];
      const [d] = parseDims(r.cols, 'cols', 1) as [number];
      if (r1 <= r0) throw new SpuError("correlation parameter 'rows' must be a non-empty range");
      if (r.side !== 'right' && r.side !== 'left') throw new SpuError("correlation parameter 'side' must be 'right' or 'left'");
      const k = r.k === undefined ? 1 : r.k;
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_VEC_COLUMNS) throw new SpuError(`correlation parameter 'k' must be an integer in [1, ${MAX_VEC_COLUMNS}]`);
      return { handle: parseHandle(r.handle), d, r0, r1, side: r.side, k };
    },
    random: (p, field) => [{ name: 'v', field, shape: [p.side === 'right' ? p.d : p.r1 - p.r0, p.k], sharing: 'additive' }],
    derived: (p, field) => [{ name: 'z', field, shape: [p.side === 'right' ? p.r1 - p.r0 : p.d, p.k], sharing: 'additive' }],
    derive(p, field, r) {
      const s = table.get(p.handle);
      if (s === undefined) throw new SpuError('masked matrix handle is unknown to the dealer (released, evicted or never set up)');
      if (s.field !== field || s.u.shape[1] !== p.d || p.r1 > s.u.shape[0]!) throw new SpuError('masked.vecTriple parameters do not fit the stored matrix');
      const ub = rowsView(s.u, p.r0, p.r1);
      return { z: p.side === 'right' ? matmul(ub, r.v!) : matvecT(ub, r.v!) };
    },
  }),
  correlationKind<{ handle: string }>('masked.release', {
    parse: (raw) => ({ handle: parseHandle(asRecord(raw).handle) }),
    random: () => [],
    derived: () => [],
    derive(p) {
      table.delete(p.handle);
      return {};
    },
  }),
];
