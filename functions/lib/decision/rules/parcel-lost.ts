import { ruleKit, strength, toCarrier, type Rule } from '../rule.ts';

const meta = {
  id: 'parcel-lost',
  version: '1.1.0',
  reasonCode: 'PARCEL_LOST',
  description: "A parcel the carrier scanned as lost, or one claimed lost that is overdue with no delivery record, is the carrier's fault.",
} as const;
const { notFired, fire, contradictsBuyerReason } = ruleKit(meta);

export const parcelLost: Rule = {
  ...meta,
  evaluate(f) {
    if (f.scanLost) {
      if (f.buyerDeclared) return contradictsBuyerReason(f, 'The carrier scanned the parcel as lost');
      return fire(
        toCarrier(0.95),
        f.scanDelivered
          ? 'The carrier scanned the parcel as lost but also as delivered: the carrier is responsible, but its own records disagree.'
          : 'The carrier scanned the parcel as lost: the carrier is responsible; the buyer is made whole now and the cost recovered by a carrier claim.',
        strength(0.95, { conflict: f.scanDelivered, contradictoryEvidence: f.scanDelivered }),
      );
    }
    // A parcel on its way back to the seller is not lost: its whereabouts are known.
    if (f.facts.reason !== 'LOGISTICS_LOST' || f.delivered || f.scanReturnedToSender) return notFired;
    if (f.promisedDeliveryKnown && f.deliveredLate) {
      return fire(
        toCarrier(0.65),
        `The parcel is ${f.lateByHours} hours past its promised delivery with no delivery scan: treated as lost by the carrier.`,
        strength(0.65),
      );
    }
    return fire(
      toCarrier(0.3),
      'The buyer reports the parcel lost, but it is not yet overdue and the carrier has not confirmed a loss.',
      strength(0.3, { missingEvidence: true }),
    );
  },
};
