import { formatMoney } from '../contract/money.ts';
import { notificationLocales } from '../contract/outbound-events.ts';
import type { Notification, NotificationData } from './notifications.ts';

/**
 * The buyer-facing words of a notification (#21): what was decided or what happened, and the
 * next step with its date when the case is not over. Plain words, no internal codes; English
 * and Simplified Chinese. The marketplace shows them to the buyer as it sees fit.
 */

export const supportedLocales = notificationLocales;
export type SupportedLocale = (typeof supportedLocales)[number];

export type Explanation = {
  readonly locale: SupportedLocale;
  readonly outcome: string;
  readonly nextStep?: string;
  /** The date the next step is due, when it has one (ISO 8601). */
  readonly nextStepBy?: string;
};

/**
 * The locale to write in: the return's own when supported (any `zh` tag reads Simplified
 * Chinese, any `en` tag English), else the marketplace's default, else English.
 */
export function localeFor(returnLocale: string | undefined, marketplaceDefault: SupportedLocale | undefined): SupportedLocale {
  const language = returnLocale?.split('-')[0]?.toLowerCase();
  if (language === 'zh') return 'zh-CN';
  if (language === 'en') return 'en';
  return marketplaceDefault ?? 'en';
}

type Words = {
  /** The remedy in words, with the refund's amount where there is one. */
  readonly remedy: Readonly<Record<string, (money: string | undefined) => string>>;
  readonly payer: Readonly<Record<string, string>>;
  decided(remedy: string, payer: string | undefined): string;
  declined: string;
  inReview: string;
  reviewNext: string;
  escalated: string;
  escalatedNext: string;
  shipReturn: string;
  shipNext: string;
  reminder: string;
  released(money: string): string;
  releasedNext: string;
  paid(money: string): string;
  received: string;
  receivedNext: string;
  inspected: string;
  inspectedNext: string;
  closed: string;
  cancelled: string;
  waitNext: string;
};

const en: Words = {
  remedy: {
    FULL_REFUND: (m) => `a full refund${m === undefined ? '' : ` of ${m}`}`,
    PARTIAL_REFUND: (m) => `a partial refund${m === undefined ? '' : ` of ${m}`}`,
    RETURN_AND_REFUND: (m) => `a refund${m === undefined ? '' : ` of ${m}`} once the item is returned`,
    RESHIP: () => 'a replacement sent to you',
    REPAIR: () => 'a repair',
    NO_REFUND_NEEDED: () => 'no refund (nothing is owed)',
    REJECT: () => 'declined',
  },
  payer: { SELLER: 'the seller', BUYER: 'you', CARRIER: 'the carrier', PLATFORM: 'the marketplace', NONE: 'nobody' },
  decided: (remedy, payer) => `Your request was decided: ${remedy}.${payer === undefined ? '' : ` Return shipping is paid by ${payer}.`}`,
  declined: 'Your request was declined.',
  inReview: 'Your request is being reviewed by the seller’s team.',
  reviewNext: 'You will hear from us by the date given; there is nothing you need to do.',
  escalated: 'Your request has been passed to a senior member of the seller’s team.',
  escalatedNext: 'You will hear from us by the date given.',
  shipReturn: 'Please send the item back so we can refund you.',
  shipNext: 'Ship the item back by the date given; your refund follows when it arrives.',
  reminder: 'Reminder: we have not yet received your return shipment.',
  released: (money) => `Your refund of ${money} is on its way.`,
  releasedNext: 'It goes back to the payment method you used; your bank may take a few days to show it.',
  paid: (money) => `Your refund of ${money} has been paid.`,
  received: 'We have received the item you sent back.',
  receivedNext: 'We will check it and let you know.',
  inspected: 'We have checked the item you sent back.',
  inspectedNext: 'We will let you know the outcome.',
  closed: 'Your request is closed.',
  cancelled: 'Your request was cancelled.',
  waitNext: 'There is nothing you need to do.',
};

const zhCN: Words = {
  remedy: {
    FULL_REFUND: (m) => `全额退款${m === undefined ? '' : `，金额 ${m}`}`,
    PARTIAL_REFUND: (m) => `部分退款${m === undefined ? '' : `，金额 ${m}`}`,
    RETURN_AND_REFUND: (m) => `退货后退款${m === undefined ? '' : `，金额 ${m}`}`,
    RESHIP: () => '为您重新发货',
    REPAIR: () => '维修',
    NO_REFUND_NEEDED: () => '无需退款',
    REJECT: () => '未获通过',
  },
  payer: { SELLER: '卖家', BUYER: '您', CARRIER: '承运商', PLATFORM: '平台', NONE: '无人' },
  decided: (remedy, payer) => `您的申请已处理：${remedy}。${payer === undefined ? '' : `退货运费由${payer}承担。`}`,
  declined: '您的申请未获通过。',
  inReview: '卖家团队正在审核您的申请。',
  reviewNext: '我们会在所示日期前答复您，您无需进行任何操作。',
  escalated: '您的申请已转交卖家团队的上级处理。',
  escalatedNext: '我们会在所示日期前答复您。',
  shipReturn: '请将商品寄回，以便我们为您退款。',
  shipNext: '请在所示日期前寄回商品，商品送达后即为您退款。',
  reminder: '提醒：我们尚未收到您的退货包裹。',
  released: (money) => `您的退款 ${money} 已发出。`,
  releasedNext: '退款将退回您的原支付方式，银行入账可能需要几天。',
  paid: (money) => `您的退款 ${money} 已到账。`,
  received: '我们已收到您寄回的商品。',
  receivedNext: '我们将进行检查并通知您结果。',
  inspected: '我们已检查您寄回的商品。',
  inspectedNext: '我们会通知您处理结果。',
  closed: '您的申请已结束。',
  cancelled: '您的申请已取消。',
  waitNext: '您无需进行任何操作。',
};

const words: Readonly<Record<SupportedLocale, Words>> = { en, 'zh-CN': zhCN };

/** The words for a notification in `locale`. */
export function explain(notification: Pick<Notification, 'data'>, locale: SupportedLocale): Explanation {
  const w = words[locale];
  const d: NotificationData = notification.data;
  const step = (outcome: string, nextStep?: string, nextStepBy?: string): Explanation => ({
    locale,
    outcome,
    ...(nextStep === undefined ? {} : { nextStep }),
    ...(nextStepBy === undefined ? {} : { nextStepBy }),
  });
  switch (d.type) {
    case 'case.decided': {
      const refund = d.refund === undefined ? undefined : formatMoney(d.refund.amount, d.refund.currency);
      const remedy = w.remedy[d.remedy]?.(refund) ?? d.remedy;
      const payer = d.returnShippingPaidBy === undefined || d.remedy !== 'RETURN_AND_REFUND' ? undefined : w.payer[d.returnShippingPaidBy];
      const outcome = d.remedy === 'REJECT' ? w.declined : w.decided(remedy, payer);
      if (d.shipBy !== undefined) return step(outcome, w.shipNext, d.shipBy);
      return step(outcome, d.status === 'REFUND_PENDING' ? w.releasedNext : w.waitNext);
    }
    case 'case.in_review':
      return step(w.inReview, w.reviewNext, d.answerBy);
    case 'case.escalated':
      return step(w.escalated, w.escalatedNext, d.answerBy);
    case 'case.waiting_on_buyer':
      return step(d.reason === 'RETURN_REMINDER' ? w.reminder : w.shipReturn, w.shipNext, d.shipBy);
    case 'refund.released':
      return step(w.released(formatMoney(d.amount, d.currency)), w.releasedNext);
    case 'refund.paid':
      return step(w.paid(formatMoney(d.amount, d.currency)), w.waitNext);
    case 'return.received':
      return step(w.received, w.receivedNext);
    case 'return.inspected':
      return step(w.inspected, w.inspectedNext);
    case 'case.closed':
      return step(d.status === 'CANCELLED' ? w.cancelled : w.closed, w.waitNext);
  }
}
