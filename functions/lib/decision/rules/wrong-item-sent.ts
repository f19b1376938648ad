import type { FactView } from '../facts.ts';
import { ruleKit, strength, toSeller, type Rule } from '../rule.ts';

const meta = {
  id: 'wrong-item-sent',
  version: '1.0.0',
  reasonCode: 'WRONG_ITEM_SENT',
  description:
    "A wrong item or style sent, shown by a photo or a serial/SKU mismatch at the buyer's end, is the seller's fulfilment error.",
} as const;
const { notFired, fire, contradictsBuyerReason } = ruleKit(meta);

/** A mismatch the seller found on the returned unit, or one from a buyer with an abuse history, may be a swap. */
export function serialMismatchSuspicious(f: FactView): boolean {
  return f.serialMismatch > 0 && (f.serialMismatchBySeller || f.buyerPriorAbuse || f.buyerHighClaimRate);
}

export const wrongItemSent: Rule = {
  ...meta,
  evaluate(f) {
    const serial = serialMismatchSuspicious(f) ? 0 : f.serialMismatch;
    const e = 0.9 * Math.max(f.productWrongItem, serial);
    const serialMatches = f.serialMatch > 0;
    if (e > 0) {
      if (f.buyerDeclared) return contradictsBuyerReason(f, 'A photo or serial check shows a wrong item');
      return fire(
        toSeller(e),
        serialMatches
          ? 'A photo or serial check shows the wrong item, but another serial check matches the order: conflicting evidence.'
          : 'A photo or serial/SKU check shows the buyer received a different item from the one ordered: the seller is responsible.',
        strength(e, { conflict: serialMatches }),
      );
    }
    if (f.facts.reason !== 'PRODUCT_WRONG_ITEM') return notFired;
    return fire(
      toSeller(0.45),
      serialMatches
        ? 'The buyer reports a wrong item but the serial number matches the order: the claim and the evidence disagree.'
        : 'The buyer reports a wrong item; no photo or serial check confirms it yet.',
      strength(0.45, { missingEvidence: !serialMatches, conflict: serialMatches }),
    );
  },
};
