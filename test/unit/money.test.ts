import { describe, expect, it } from 'vitest';
import { currencyCodes, formatMoney, isKnownCurrency, minorUnitDigits, NO_CURRENCY } from '#lib/contract/money.ts';
import { CurrencySchema, MinorUnitsSchema } from '#lib/contract/return-payload.ts';

/** What Intl itself says, with its default options: the digits money.ts must agree with. */
const intlDigits = (code: string) =>
  new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits;

/** The amount back in minor units from `CODE 123.45`, or undefined when it does not read so. */
function parseMoney(text: string, code: string, digits: number): number | undefined {
  const match = new RegExp(`^${code} (\\d+)${digits === 0 ? '' : `\\.(\\d{${digits}})`}$`).exec(text);
  return match === null ? undefined : Number(`${match[1]}${match[2] ?? ''}`);
}

describe('money through Intl', () => {
  const ceiling = MinorUnitsSchema._zod.bag.maximum as number;

  it('accepts every code Intl can format, and XXX', () => {
    expect(currencyCodes.length).toBeGreaterThan(100);
    expect(currencyCodes).toEqual(expect.arrayContaining([...Intl.supportedValuesOf('currency'), NO_CURRENCY]));
    expect(new Set(currencyCodes).size).toBe(currencyCodes.length);
  });

  it.each(currencyCodes)('%s: accepted, digits as Intl says, amounts round-trip up to the ceiling', (code) => {
    expect(CurrencySchema.safeParse(code).success).toBe(true);
    expect(isKnownCurrency(code)).toBe(true);
    const digits = minorUnitDigits(code);
    expect(digits).toBe(intlDigits(code));
    for (const amount of [0, 1, 5, 1_234, 249_900, 1_000_001, ceiling]) {
      const text = formatMoney(amount, code);
      expect(parseMoney(text, code, digits), `${amount} ${code} → ${text}`).toBe(amount);
    }
  });

  it("reads as staff see it on the marketplace: code, plain space, no grouping, the currency's own digits", () => {
    expect(formatMoney(249_900, 'CNY')).toBe('CNY 2499.00');
    expect(formatMoney(5, 'EUR')).toBe('EUR 0.05');
    expect(formatMoney(1_200, 'JPY')).toBe('JPY 1200');
    expect(formatMoney(1_234_567, 'KWD')).toBe('KWD 1234.567');
    // Where the old hand-kept list disagreed with Intl, Intl decides: TWD has cents, IQD none.
    expect(formatMoney(249_900, 'TWD')).toBe('TWD 2499.00');
    expect(formatMoney(249_900, 'IQD')).toBe('IQD 249900');
  });

  it.each(['ABC', 'XTS', 'ZZZ'])('refuses %s, well formed but not a currency the system can format', (code) => {
    expect(CurrencySchema.safeParse(code).error?.issues.map((i) => i.message)).toEqual([
      'must be an ISO 4217 currency code (or XXX, not yet known)',
    ]);
    expect(isKnownCurrency(code)).toBe(false);
    expect(() => formatMoney(100, code)).toThrow(RangeError);
  });

  it.each(['eur', 'EURO', 'E1R', ''])('refuses %j with the one message about the form', (code) => {
    expect(CurrencySchema.safeParse(code).error?.issues.map((i) => i.message)).toEqual(['must be an ISO 4217 code such as EUR']);
  });
});
