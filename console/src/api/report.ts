// The reporting service's report, typed here: its OpenAPI document leaves it an open object.

export interface Breakdown { applications: number; contracted: number; committed_cents: number; paid_cents: number }
export interface CallLine {
  call_id: string; code: string; title: string; kind: string; status: string; budget_cents: number;
  planned_awards: number | null; support_actions: number; committed_cents: number; paid_cents: number;
}
export interface Report {
  as_of: string; basis: "live" | "events"; currency: string | null;
  programme?: { name?: string; code?: string; budget_cents?: number } | null;
  calls: CallLine[]; applications: Record<string, number>; applications_submitted: number;
  smes_supported: number; support_actions: number;
  by_country: Record<string, Breakdown>; by_objective: Record<string, Breakdown>; by_call_kind: Record<string, Breakdown>;
  committed_cents: number; paid_cents: number; recovered_cents: number;
  mean_score: number | null; success_rate: number | null;
  median_days_to_decision: number | null; median_days_to_first_payment: number | null;
}

export interface MoneyPoint { at: string; committed: number; paid: number; recovered: number }

interface GrantMoney {
  amount_cents: number; awarded_at: string;
  payment_orders: { amount_cents: number; status: string; disbursed_at?: string | null }[];
  recoveries: { amount_cents: number; status: string; received_at?: string | null }[];
}

/** Money committed, paid and recovered, cumulated over time (in whole units), up to `asOf`. */
export function moneyOverTime(grants: GrantMoney[], asOf?: string): MoneyPoint[] {
  const moves: { at: string; kind: "committed" | "paid" | "recovered"; cents: number }[] = [];
  for (const g of grants) {
    moves.push({ at: g.awarded_at, kind: "committed", cents: g.amount_cents });
    for (const o of g.payment_orders) if (o.status === "disbursed" && o.disbursed_at) moves.push({ at: o.disbursed_at, kind: "paid", cents: o.amount_cents });
    for (const r of g.recoveries) if (r.status === "received" && r.received_at) moves.push({ at: r.received_at, kind: "recovered", cents: r.amount_cents });
  }
  const limit = asOf ? Date.parse(asOf) : Infinity;
  const totals = { committed: 0, paid: 0, recovered: 0 };
  const points: MoneyPoint[] = [];
  for (const move of moves.filter((m) => Date.parse(m.at) <= limit).sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) {
    totals[move.kind] += move.cents;
    points.push({ at: move.at, committed: totals.committed / 100, paid: totals.paid / 100, recovered: totals.recovered / 100 });
  }
  return points;
}
