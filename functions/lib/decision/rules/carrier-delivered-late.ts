import { ruleKit, strength, toCarrier, type Rule } from '../rule.ts';

const meta = {
  id: 'carrier-delivered-late',
  version: '1.1.0',
  reasonCode: 'CARRIER_DELIVERED_LATE',
  description: 'Delivered after the promised date although the seller shipped on time: the carrier caused the delay.',
} as const;
const { notFired, fire } = ruleKit(meta);

export const carrierDeliveredLate: Rule = {
  ...meta,
  evaluate(f) {
    if (f.facts.reason !== 'LOGISTICS_DELAYED' || !f.deliveredLate || f.shippedLate) return notFired;
    // A delay from a failed delivery at an address shown wrong, or to a buyer shown
    // unreachable, is not the carrier's (buyer-wrong-address / buyer-unreachable weigh it).
    if ((f.addressWrong > 0 || f.buyerUnreachable > 0) && (f.scanAttemptFailed || f.scanReturnedToSender)) return notFired;
    // Without a ship-by promise we cannot rule out a late handover by the seller.
    const s = f.promisedShipByKnown ? 0.9 : 0.7;
    return fire(
      toCarrier(s),
      `${f.delivered ? 'Delivered' : 'Still undelivered'} ${f.lateByHours} hours after the promised date${f.promisedShipByKnown ? ' although the seller shipped on time' : ''}: the carrier caused the delay.`,
      strength(s),
    );
  },
};
