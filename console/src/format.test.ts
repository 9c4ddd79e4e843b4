import { describe, expect, it } from "vitest";
import { formatMoney, localInputToInstant, parseMoney } from "./format";

describe("money for the locale", () => {
  it("writes EUR 1.234,56 in Italian and EUR 1,234.56 in English", () => {
    expect(formatMoney(123456, "EUR", "it-IT")).toBe("EUR\u00a01.234,56");
    expect(formatMoney(123456, "EUR", "en-GB")).toBe("EUR\u00a01,234.56");
  });
  it("reads what a person types in their locale back to cents", () => {
    expect(parseMoney("1.234,56", "it-IT")).toBe(123456);
    expect(parseMoney("40,000", "en-GB")).toBe(4000000);
    expect(parseMoney("0.5", "en-GB")).toBe(50);
  });
  it("refuses what is not an amount rather than guessing", () => {
    expect(parseMoney("12,3.4", "en-GB")).toBeNull();
    expect(parseMoney("-5", "en-GB")).toBeNull();
    expect(parseMoney("", "it-IT")).toBeNull();
  });
  it("reads a date-time picker's value as UTC", () => {
    expect(localInputToInstant("2026-12-01T21:30")).toBe("2026-12-01T21:30:00.000Z");
  });
});
