import { packagingPhotosDisagree } from './packaging-photos-disagree.ts';
import { parcelSilenceLost } from './parcel-silence-lost.ts';
import { repairOverrun } from './repair-overrun.ts';
import type { Rule } from '../rule.ts';
import { buyerAddressChange } from './buyer-address-change.ts';
import { buyerCancelledAfterShipping } from './buyer-cancelled-after-shipping.ts';
import { buyerCancelledBeforeShipping } from './buyer-cancelled-before-shipping.ts';
import { buyerHistoryRisk } from './buyer-history-risk.ts';
import { buyerUnreachable } from './buyer-unreachable.ts';
import { buyerWrongAddress } from './buyer-wrong-address.ts';
import { carrierDamageScan } from './carrier-damage-scan.ts';
import { carrierDeliveredLate } from './carrier-delivered-late.ts';
import { courierMisconduct } from './courier-misconduct.ts';
import { damageClaimedWithoutEvidence } from './damage-claimed-without-evidence.ts';
import { damageNotedAtDelivery } from './damage-noted-at-delivery.ts';
import { damageOriginUnknown } from './damage-origin-unknown.ts';
import { delayUnverifiable } from './delay-unverifiable.ts';
import { deliveredOnTime } from './delivered-on-time.ts';
import { extraItemsSent } from './extra-items-sent.ts';
import { functionalDefectShown } from './functional-defect-shown.ts';
import { inspectedOkAtDelivery } from './inspected-ok-at-delivery.ts';
import { installerConfirmsDefect } from './installer-confirms-defect.ts';
import { installerFoundMisuse } from './installer-found-misuse.ts';
import { installerFoundNoFault } from './installer-found-no-fault.ts';
import { itemsMissing } from './items-missing.ts';
import { lostClaimContradictedByDelivery } from './lost-claim-contradicted-by-delivery.ts';
import { misleadingPresaleAdvice } from './misleading-presale-advice.ts';
import { noInspectionDoesNotShiftFault } from './no-inspection-does-not-shift-fault.ts';
import { noReasonReturnInsideWindow } from './no-reason-return-inside-window.ts';
import { noReasonReturnOutsideWindow } from './no-reason-return-outside-window.ts';
import { notAsListed } from './not-as-listed.ts';
import { outOfStockAfterPayment } from './out-of-stock-after-payment.ts';
import { packagingDamagedProductDamaged } from './packaging-damaged-product-damaged.ts';
import { packagingDamagedProductUnverified } from './packaging-damaged-product-unverified.ts';
import { packagingIntactProductDamaged } from './packaging-intact-product-damaged.ts';
import { parcelLost } from './parcel-lost.ts';
import { presaleAdviceAccurate } from './presale-advice-accurate.ts';
import { productPhotoShowsNoProblem } from './product-photo-shows-no-problem.ts';
import { safetyHazardUrgent } from './safety-hazard-urgent.ts';
import { sellerDefectHistory } from './seller-defect-history.ts';
import { sellerShippedLate } from './seller-shipped-late.ts';
import { serialMismatchFraudRisk } from './serial-mismatch-fraud-risk.ts';
import { staffComplaint } from './staff-complaint.ts';
import { weightLostInTransit } from './weight-lost-in-transit.ts';
import { wrongCarrierUsed } from './wrong-carrier-used.ts';
import { wrongItemSent } from './wrong-item-sent.ts';
import { returnedItemInspected } from './returned-item-inspected.ts';

/**
 * The rule chain, in the order a staff member reads the trace: triage, product condition,
 * witnesses and door inspection, logistics, fulfilment, service, buyer-side reasons, history.
 * Every rule runs on every case (no short-circuit), so the trace always lists the whole chain.
 * Order does not change the allocation (contributions are summed); it fixes the trace order
 * and which fired rule names the primary reason when two tie.
 */
export const ruleChain: readonly Rule[] = Object.freeze([
  safetyHazardUrgent,
  outOfStockAfterPayment,
  // Product condition and packaging
  packagingPhotosDisagree,
  packagingIntactProductDamaged,
  packagingDamagedProductDamaged,
  carrierDamageScan,
  damageNotedAtDelivery,
  packagingDamagedProductUnverified,
  functionalDefectShown,
  damageOriginUnknown,
  damageClaimedWithoutEvidence,
  productPhotoShowsNoProblem,
  // Witnesses and the door
  installerConfirmsDefect,
  installerFoundNoFault,
  installerFoundMisuse,
  inspectedOkAtDelivery,
  noInspectionDoesNotShiftFault,
  // Logistics
  parcelLost,
  parcelSilenceLost,
  lostClaimContradictedByDelivery,
  weightLostInTransit,
  sellerShippedLate,
  carrierDeliveredLate,
  deliveredOnTime,
  delayUnverifiable,
  wrongCarrierUsed,
  courierMisconduct,
  // Repairs
  repairOverrun,
  // Fulfilment and listing
  wrongItemSent,
  serialMismatchFraudRisk,
  itemsMissing,
  extraItemsSent,
  returnedItemInspected,
  notAsListed,
  // Service
  misleadingPresaleAdvice,
  presaleAdviceAccurate,
  staffComplaint,
  // Buyer-side reasons
  buyerAddressChange,
  buyerCancelledBeforeShipping,
  buyerCancelledAfterShipping,
  buyerWrongAddress,
  buyerUnreachable,
  noReasonReturnInsideWindow,
  noReasonReturnOutsideWindow,
  // History signals
  buyerHistoryRisk,
  sellerDefectHistory,
]);
