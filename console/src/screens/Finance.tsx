// The finance officer's desk: the four-eyes queue, every grant, the ledger of a call.
import { useState } from "react";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import { unwrap } from "../api/client";
import { useConsole } from "../api/context";
import { Paged } from "../components/Paged";
import { Select } from "../components/Field";
import { ProblemNote } from "../components/ProblemNote";
import { useResource } from "../components/hooks";
import { useFormat } from "../components/useFormat";

export function FinanceHome() {
  const { t } = useTranslation();
  const { api, session } = useConsole();
  const f = useFormat();
  return (
    <>
      <h1>{t("finance.title")}</h1>
      <h2 id="queue">{t("finance.queue")}</h2>
      <p>{t("finance.queueNote")}</p>
      <Paged label={t("finance.queue")} empty={t("finance.queueEmpty")}
        load={(cursor) => unwrap(api.payments.GET("/v1/grants", { params: { query: { awaiting_my_approval: true, cursor } } }))}
        render={(grants) => (
          <table><thead><tr><th>{t("finance.grant")}</th><th>{t("grant.amount")}</th><th>{t("grant.orderedBy")}</th><th>{t("finance.orderedAt")}</th></tr></thead>
            <tbody>{grants.flatMap((g) => g.payment_orders.filter((o) => o.status === "ordered" && o.ordered_by !== session?.sub).map((o) => (
              <tr key={o.id}><td><Link to={`/grants/${g.id}`}>{t("finance.grantOf", { country: g.country ?? "–", amount: f.money(g.amount_cents, g.currency) })}</Link></td>
                <td>{f.money(o.amount_cents, g.currency)}</td><td>{o.ordered_by}</td><td>{f.instant(o.ordered_at)}</td></tr>)))}
            </tbody></table>)} />
      <h2>{t("finance.grants")}</h2>
      <Paged label={t("finance.grants")} empty={t("finance.noGrants")}
        load={(cursor) => unwrap(api.payments.GET("/v1/grants", { params: { query: { cursor, limit: 20 } } }))}
        render={(grants) => (
          <table><thead><tr><th>{t("finance.grant")}</th><th>{t("grant.status")}</th><th>{t("grant.paid")}</th></tr></thead>
            <tbody>{grants.map((g) => <tr key={g.id}><td><Link to={`/grants/${g.id}`}>{t("finance.grantOf", { country: g.country ?? "–", amount: f.money(g.amount_cents, g.currency) })}</Link></td>
              <td>{t(`grantStatus.${g.status}`)}</td><td>{f.money(g.paid_cents, g.currency)}</td></tr>)}</tbody></table>)} />
      <Ledger />
    </>
  );
}

function Ledger() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const f = useFormat();
  const calls = useResource(() => unwrap(api.calls.GET("/v1/calls", { params: { query: { limit: 100 } } })), []);
  const [callId, setCallId] = useState("");
  const chosen = callId || calls.data?.items[0]?.id || "";
  const ledger = useResource(async () => (chosen
    ? unwrap(api.payments.GET("/v1/ledger", { params: { query: { call_id: chosen } } })) : null), [chosen]);
  const l = ledger.data as { currency: string; budget_cents: number; committed_cents: number; paid_cents: number; recovered_cents: number; available_cents: number } | null;
  return (
    <section aria-labelledby="ledger">
      <h2 id="ledger">{t("finance.ledger")}</h2>
      <ProblemNote problem={calls.problem ?? ledger.problem} />
      <Select label={t("finance.call")} value={chosen} onChange={(e) => setCallId(e.target.value)}
        options={(calls.data?.items ?? []).map((c) => ({ value: c.id, label: `${c.code} – ${c.title}` }))} />
      {l && (
        <table><tbody>
          {(["budget_cents", "committed_cents", "paid_cents", "recovered_cents", "available_cents"] as const).map((k) => (
            <tr key={k}><th scope="row">{t(`ledger.${k}`)}</th><td>{f.money(l[k], l.currency)}</td></tr>))}
        </tbody></table>)}
    </section>
  );
}
