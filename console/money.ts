/** Money in the console: minor units as the API counts them (Intl's digits per currency). */

/** Digits after the decimal point of a currency's minor unit (JPY 0, KWD 3, most 2), as the API counts them (Intl). */
export function minorDigits(currency: string | undefined): number {
  if (currency === undefined) return 2;
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}
/** A typed major-unit amount ("12.5") in minor units, or undefined when it is not a number of that precision. */
export function toMinorUnits(text: string, currency: string | undefined): number | undefined {
  const digits = minorDigits(currency);
  if (!new RegExp(`^\\d{1,12}(\\.\\d{0,${digits}})?$`).test(text.trim())) return undefined;
  return Math.round(Number(text.trim()) * 10 ** digits);
}
export const money = (amount: number | undefined | null, currency: string | undefined) => {
  if (amount === undefined || amount === null) return '—';
  const digits = minorDigits(currency);
  return `${currency ?? ''} ${(amount / 10 ** digits).toFixed(digits)}`.trim();
};
