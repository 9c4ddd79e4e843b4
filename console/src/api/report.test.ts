import { describe, expect, it } from "vitest";
import { moneyOverTime } from "./report";

const grant = {
  amount_cents: 1_000_000, awarded_at: "2026-01-10T00:00:00Z",
  payment_orders: [
    { amount_cents: 700_000, status: "disbursed", disbursed_at: "2026-02-01T00:00:00Z" },
    { amount_cents: 300_000, status: "failed", disbursed_at: null },
  ],
  recoveries: [{ amount_cents: 50_000, status: "received", received_at: "2026-03-01T00:00:00Z" }],
};

describe("money over time", () => {
  it("cumulates committed, paid and recovered money in order, failed payments left out", () => {
    expect(moneyOverTime([grant])).toEqual([
      { at: "2026-01-10T00:00:00Z", committed: 10_000, paid: 0, recovered: 0 },
      { at: "2026-02-01T00:00:00Z", committed: 10_000, paid: 7_000, recovered: 0 },
      { at: "2026-03-01T00:00:00Z", committed: 10_000, paid: 7_000, recovered: 500 },
    ]);
  });
  it("stops at the instant a report is read as of", () => {
    expect(moneyOverTime([grant], "2026-02-15T00:00:00Z").at(-1)).toEqual(
      { at: "2026-02-01T00:00:00Z", committed: 10_000, paid: 7_000, recovered: 0 });
  });
});
