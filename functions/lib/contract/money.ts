/**
 * Money as the system keeps and shows it: whole minor units of an ISO 4217 currency.
 *
 * How many digits a currency's minor unit has, and how an amount reads, come from Intl (the
 * CLDR data that ships with Node) and from nowhere else, so the engine's summaries, the
 * authority messages and the validation errors cannot disagree about a currency, and no
 * hand-kept list of zero- and three-decimal currencies goes stale. CLDR's digits are what
 * money is shown with; for a few codes they differ from the ISO 4217 table (IQD 0, not 3;
 * HUF 0, not 2), and those are the digits amounts are counted in here.
 */

/** ISO 4217 "no currency": the amount is not known yet (Shopify sends it until prices are). */
export const NO_CURRENCY = 'XXX';

/**
 * Every currency code the contract accepts (CurrencySchema): the ones Intl can format, and
 * XXX, which Intl formats but does not list.
 */
export const currencyCodes: readonly string[] = Object.freeze([...new Set([...Intl.supportedValuesOf('currency'), NO_CURRENCY])].sort());

const known: ReadonlySet<string> = new Set(currencyCodes);

export function isKnownCurrency(code: string): boolean {
  return known.has(code);
}

const formatters = new Map<string, Intl.NumberFormat>();

/**
 * English, with the code rather than a symbol and without grouping: `CNY 2499.00`, the form
 * staff read on the marketplaces' screens (a symbol is ambiguous: $ is USD, CAD, AUD...).
 * One formatter per currency, built on first use: building one costs far more than using it.
 */
function formatterFor(currency: string): Intl.NumberFormat {
  let formatter = formatters.get(currency);
  if (formatter === undefined) {
    // Intl formats any well-formed code, known or not (with 2 digits): refuse here what the
    // contract refuses, so an unknown code fails loudly instead of reading plausibly.
    if (!known.has(currency)) throw new RangeError(`${currency} is not a currency code this system knows`);
    formatter = new Intl.NumberFormat('en', { style: 'currency', currency, currencyDisplay: 'code', useGrouping: false });
    formatters.set(currency, formatter);
  }
  return formatter;
}

/** Digits of the currency's minor unit, as Intl shows it: 2 for CNY and EUR, 0 for JPY, 3 for KWD. */
export function minorUnitDigits(currency: string): number {
  return formatterFor(currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/**
 * `CNY 2499.00` from 249900 minor units.
 *
 * @example formatMoney(1200, 'JPY') // 'JPY 1200'
 * @throws RangeError for a code CurrencySchema would refuse.
 */
export function formatMoney(minorUnits: number, currency: string): string {
  // Exact below 10^15 minor units (15 significant digits survive a double), far above
  // MinorUnitsSchema's ceiling; the unit test checks that ceiling in every currency.
  const major = minorUnits / 10 ** minorUnitDigits(currency);
  // Intl separates code and number with a no-break space; a plain one reads the same and
  // keeps messages greppable.
  return formatterFor(currency)
    .formatToParts(major)
    .map((part) => (part.type === 'literal' ? ' ' : part.value))
    .join('');
}
