// The translation catalogue: English and Italian, chosen by the browser or the switch.
import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./en.json";
import it from "./it.json";

export const LANGUAGES = ["en", "it"] as const;
export type Language = (typeof LANGUAGES)[number];
const CHOSEN = "cascade.language";

/** The stored choice, else the browser's first language we ship, else English. */
export function pickLanguage(preferred: readonly string[], stored: string | null): Language {
  if (stored && (LANGUAGES as readonly string[]).includes(stored)) return stored as Language;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split("-")[0];
    if ((LANGUAGES as readonly string[]).includes(base)) return base as Language;
  }
  return "en";
}

export function chooseLanguage(language: Language): void {
  localStorage.setItem(CHOSEN, language);
  document.documentElement.lang = language;
  void i18next.changeLanguage(language);
}

export function setUpI18n(): typeof i18next {
  const language = pickLanguage(navigator.languages ?? [navigator.language], localStorage.getItem(CHOSEN));
  document.documentElement.lang = language;
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, it: { translation: it } },
    lng: language, fallbackLng: "en", interpolation: { escapeValue: false },
  });
  return i18next;
}

/** The BCP 47 locale numbers and dates are formatted in. */
export function localeOf(language: string): string {
  return language === "it" ? "it-IT" : "en-GB";
}
