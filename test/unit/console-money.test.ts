import { describe, expect, it } from 'vitest';
import { minorDigits, money, toMinorUnits } from '../../console/money.ts';
import { minorUnitDigits } from '#lib/contract/money.ts';

describe('console money', () => {
  it.each(['CNY', 'EUR', 'JPY', 'KWD', 'TWD', 'IQD'])('%s has the digits the API counts in', (currency) => {
    expect(minorDigits(currency)).toBe(minorUnitDigits(currency));
  });

  it.each([
    ['12.5', 'EUR', 1_250],
    ['12.50', 'EUR', 1_250],
    ['1200', 'JPY', 1_200],
    ['1.234', 'KWD', 1_234],
    [' 7 ', 'CNY', 700],
  ])('%j %s is %d minor units', (text, currency, minor) => {
    expect(toMinorUnits(text, currency)).toBe(minor);
  });

  it.each([
    ['12.345', 'EUR'],
    ['1.5', 'JPY'],
    ['-3', 'EUR'],
    ['1e3', 'EUR'],
    ['', 'EUR'],
    ['abc', 'EUR'],
  ])('%j in %s is not an amount', (text, currency) => {
    expect(toMinorUnits(text, currency)).toBeUndefined();
  });

  it('formats minor units in the currency’s own digits', () => {
    expect(money(123_456, 'EUR')).toBe('EUR 1234.56');
    expect(money(1_200, 'JPY')).toBe('JPY 1200');
    expect(money(1_234, 'KWD')).toBe('KWD 1.234');
    expect(money(null, 'EUR')).toBe('—');
  });
});
