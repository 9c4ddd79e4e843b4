// Formatters bound to the current language.
import { useTranslation } from "react-i18next";
import { localeOf } from "../i18n";
import { formatDate, formatInstant, formatMoney, formatNumber } from "../format";

export function useFormat() {
  const { i18n } = useTranslation();
  const locale = localeOf(i18n.language);
  return {
    locale,
    money: (cents: number, currency = "EUR") => formatMoney(cents, currency, locale),
    number: (value: number) => formatNumber(value, locale),
    instant: (iso: string | null | undefined) => (iso ? formatInstant(iso, locale) : "–"),
    date: (iso: string | null | undefined) => (iso ? formatDate(iso, locale) : "–"),
  };
}
