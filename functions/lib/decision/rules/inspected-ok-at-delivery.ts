import { CONFLICT, NO_CONTRIBUTION, ruleKit, type Rule } from '../rule.ts';

const meta = {
  id: 'inspected-ok-at-delivery',
  version: '1.0.0',
  reasonCode: 'SIGNED_AS_INSPECTED_OK',
  description:
    'A parcel signed for as inspected OK that later shows physical damage lowers confidence; hidden damage is not visible at the door, so it does not move fault to the buyer.',
} as const;
const { notFired, fire } = ruleKit(meta);

export const inspectedOkAtDelivery: Rule = {
  ...meta,
  evaluate(f) {
    if (f.facts.deliveryInspection !== 'INSPECTED_OK' || f.productDamaged === 0) return notFired;
    return fire(
      NO_CONTRIBUTION,
      'The parcel was signed for as inspected OK, yet the product now shows damage: this lowers confidence but does not make the buyer liable.',
      CONFLICT,
    );
  },
};
