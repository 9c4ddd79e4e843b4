// Dates, numbers and money for the user's locale (money is integer minor units).

/** "EUR 1,234.56" in English, "EUR 1.234,56" in Italian: the code first, as the CLI prints it. */
export function formatMoney(cents: number, currency: string, locale: string): string {
  const amount = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: "always" })
    .format(cents / 100);
  return `${currency}\u00a0${amount}`;
}

export function formatNumber(value: number, locale: string, digits = 2): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
}

export function formatInstant(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(new Date(iso)) + " UTC";
}

export function formatDate(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(iso));
}

/** Whole currency units typed by a person ("1.234,56" in Italian, "1,234.56" in English) to
 * cents; null for anything else (misplaced separators included) rather than a guess. */
export function parseMoney(text: string, locale: string): number | null {
  const parts = new Intl.NumberFormat(locale).formatToParts(12345.6);
  const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const group = escape(parts.find((p) => p.type === "group")?.value ?? ",");
  const decimal = escape(parts.find((p) => p.type === "decimal")?.value ?? ".");
  const match = text.trim().match(new RegExp(`^(\\d{1,3}(?:${group}\\d{3})+|\\d+)(?:${decimal}(\\d{1,2}))?$`));
  if (!match) return null;
  const whole = match[1].replace(new RegExp(group, "g"), "");
  return Number(whole) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
}

/** A `datetime-local` input's value, read as UTC, to RFC 3339. */
export function localInputToInstant(value: string): string {
  return new Date(`${value}:00Z`).toISOString();
}
