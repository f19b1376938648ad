import type { CarrierClaimState, CaseRecord } from './case.ts';

/**
 * Who paid in the end (#19): what the buyer was made whole with, against who finally bore it,
 * per case and summed per currency for a seller's report. Pure.
 *
 * - madeWhole: paid to the buyer so far (`refundedTotal`).
 * - bornBy: the ledger's cost lines (refund, return label, reship) by who bears them now, the
 *   carrier's share moved to the seller once its claim expired or was denied. Deductions and
 *   the CARRIER_CLAIM lines (a claim, not a cost) are not counted.
 * - carrierRecovered: what the carrier paid on its claim; carrierLost: the carrier's share the
 *   seller bears because the claim expired, was denied, or was paid short; carrierPending: a
 *   claim still TO_FILE or FILED.
 */

export type RecoveryRow = {
  readonly caseId: string;
  readonly createdAt: string;
  readonly status: string;
  readonly currency: string;
  readonly madeWhole: number;
  readonly bornBySeller: number;
  readonly bornByPlatform: number;
  readonly bornByBuyer: number;
  readonly bornByCarrier: number;
  readonly carrierRecovered: number;
  readonly carrierLost: number;
  readonly carrierPending: number;
  readonly claim?: {
    readonly claimId: string;
    readonly state: CarrierClaimState;
    readonly carrier: string;
    readonly amount: number;
    readonly fileBy: string;
    /**
     * A FILED or PAID claim keeps the amount filed; when a later decision changed the carrier's
     * share, this is the share now, so the report shows what the claim no longer matches.
     */
    readonly shareSinceFiling?: number;
  };
};

export type RecoveryTotals = Omit<RecoveryRow, 'caseId' | 'createdAt' | 'status' | 'claim' | 'currency'> & { readonly cases: number };

const COST_KINDS = new Set(['BUYER_REFUND', 'RETURN_SHIPPING', 'RESHIP_SHIPPING']);

export function recoveryOf(c: CaseRecord): RecoveryRow {
  const born = { SELLER: 0, PLATFORM: 0, BUYER: 0, CARRIER: 0, NONE: 0 };
  for (const line of c.ledger ?? []) if (COST_KINDS.has(line.kind)) born[line.bornBy] += line.amount;
  const claim = c.carrierClaim;
  const recovered = claim?.state === 'PAID' ? (claim.recoveredAmount ?? claim.amount) : 0;
  const lost =
    claim === undefined
      ? 0
      : claim.state === 'EXPIRED' || claim.state === 'DENIED'
        ? claim.amount
        : claim.state === 'PAID'
          ? claim.amount - recovered
          : 0;
  const pending = claim !== undefined && (claim.state === 'TO_FILE' || claim.state === 'FILED') ? claim.amount : 0;
  return {
    caseId: c.caseId,
    createdAt: c.createdAt,
    status: c.status,
    currency: c.return.money.currency,
    madeWhole: c.refundedTotal ?? 0,
    bornBySeller: born.SELLER,
    bornByPlatform: born.PLATFORM,
    bornByBuyer: born.BUYER,
    bornByCarrier: born.CARRIER,
    carrierRecovered: recovered,
    carrierLost: lost,
    carrierPending: pending,
    ...(claim === undefined
      ? {}
      : {
          claim: {
            claimId: claim.claimId,
            state: claim.state,
            carrier: claim.carrier,
            amount: claim.amount,
            fileBy: claim.fileBy,
            ...(claim.shareSinceFiling === undefined || claim.shareSinceFiling === claim.amount
              ? {}
              : { shareSinceFiling: claim.shareSinceFiling }),
          },
        }),
  };
}

const NUMBER_FIELDS = [
  'madeWhole',
  'bornBySeller',
  'bornByPlatform',
  'bornByBuyer',
  'bornByCarrier',
  'carrierRecovered',
  'carrierLost',
  'carrierPending',
] as const;

/** Sums per currency (amounts in different currencies are never added together). */
export function recoveryTotals(rows: readonly RecoveryRow[]): Record<string, RecoveryTotals> {
  const totals: Record<string, Record<string, number>> = {};
  for (const row of rows) {
    const t = totals[row.currency] ?? { cases: 0, ...Object.fromEntries(NUMBER_FIELDS.map((f) => [f, 0])) };
    totals[row.currency] = t;
    t.cases = (t.cases ?? 0) + 1;
    for (const f of NUMBER_FIELDS) t[f] = (t[f] ?? 0) + row[f];
  }
  return totals as unknown as Record<string, RecoveryTotals>;
}

/** Claims still to file or filed, soonest filing deadline first. */
export function openClaimsByDeadline(
  rows: readonly RecoveryRow[],
): (NonNullable<RecoveryRow['claim']> & { caseId: string; currency: string })[] {
  return rows
    .flatMap((r) =>
      r.claim !== undefined && (r.claim.state === 'TO_FILE' || r.claim.state === 'FILED')
        ? [{ ...r.claim, caseId: r.caseId, currency: r.currency }]
        : [],
    )
    .sort((a, b) => Date.parse(a.fileBy) - Date.parse(b.fileBy));
}

export const RECOVERY_CSV_COLUMNS = [
  'caseId',
  'createdAt',
  'status',
  'currency',
  ...NUMBER_FIELDS,
  'claimState',
  'claimFileBy',
  'claimShareSinceFiling',
] as const;

/** One line per case; values are ids, codes, times and numbers only (no free text to escape). */
export function recoveryCsv(rows: readonly RecoveryRow[]): string {
  const lines = rows.map((r) =>
    [
      r.caseId,
      r.createdAt,
      r.status,
      r.currency,
      ...NUMBER_FIELDS.map((f) => String(r[f])),
      r.claim?.state ?? '',
      r.claim?.fileBy ?? '',
      r.claim?.shareSinceFiling === undefined ? '' : String(r.claim.shareSinceFiling),
    ].join(','),
  );
  return `${[RECOVERY_CSV_COLUMNS.join(','), ...lines].join('\r\n')}\r\n`;
}
