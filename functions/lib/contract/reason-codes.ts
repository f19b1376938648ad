import * as z from 'zod/mini';
// Schemas are built inside /* @__PURE__ */ calls: esbuild then leaves out of a Lambda bundle
// every schema its function never uses (zod/mini's own calls are not known to it as pure).

/**
 * Closed, versioned enum of after-sales reasons (domain brief, "Kinds of after-sales
 * problems"). Adding a code is a minor version bump; removing or renaming one is a major
 * bump because stored cases and marketplace adapters refer to them.
 */
export const REASON_CODES_VERSION = '1.0.0';

export const reasonFamilies = ['PRODUCT', 'SERVICE', 'LOGISTICS', 'BUYER'] as const;
export type ReasonFamily = (typeof reasonFamilies)[number];

const reasonFamilyByCode = {
  // Product
  PRODUCT_QUALITY_DEFECT: 'PRODUCT',
  PRODUCT_COLOUR_DIFFERENCE: 'PRODUCT',
  PRODUCT_SIZE_PROBLEM: 'PRODUCT',
  PRODUCT_VISIBLE_FLAW: 'PRODUCT',
  PRODUCT_WRONG_ITEM: 'PRODUCT',
  PRODUCT_MISSING_ITEMS: 'PRODUCT',
  PRODUCT_EXTRA_ITEMS: 'PRODUCT',
  PRODUCT_NOT_AS_PICTURED: 'PRODUCT',
  PRODUCT_OUT_OF_STOCK: 'PRODUCT',
  // Service
  SERVICE_MISLEADING_ADVICE: 'SERVICE',
  SERVICE_STAFF_COMPLAINT: 'SERVICE',
  // Logistics
  LOGISTICS_WRONG_CARRIER: 'LOGISTICS',
  LOGISTICS_DELAYED: 'LOGISTICS',
  LOGISTICS_COURIER_MISCONDUCT: 'LOGISTICS',
  LOGISTICS_LOST: 'LOGISTICS',
  LOGISTICS_DAMAGED_IN_TRANSIT: 'LOGISTICS',
  // Buyer
  BUYER_ADDRESS_CHANGE: 'BUYER',
  BUYER_CANCEL_BEFORE_SHIPPING: 'BUYER',
  BUYER_CANCEL_AFTER_SHIPPING: 'BUYER',
  BUYER_WRONG_ADDRESS: 'BUYER',
  BUYER_UNAVAILABLE: 'BUYER',
  BUYER_NO_REASON_RETURN: 'BUYER',
} as const satisfies Record<string, ReasonFamily>;

export type ReasonCode = keyof typeof reasonFamilyByCode;

export const reasonCodes = Object.keys(reasonFamilyByCode) as [ReasonCode, ...ReasonCode[]];

export const ReasonCodeSchema = /* @__PURE__ */ (() => z.enum(reasonCodes))();

export function reasonFamilyOf(code: ReasonCode): ReasonFamily {
  return reasonFamilyByCode[code];
}
