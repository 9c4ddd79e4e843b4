// One grant: instalments, payment orders, reports and recoveries, with each role's commands.
import { useState, type FormEvent } from "react";
import { useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { unwrap } from "../api/client";
import { commandHeaders } from "../api/commands";
import { useConsole } from "../api/context";
import { parseMoney } from "../format";
import { Field } from "../components/Field";
import { Annexes } from "../components/Annexes";
import { saveDownload } from "../api/files";
import { ProblemNote } from "../components/ProblemNote";
import { useCommand, useResource } from "../components/hooks";
import { useFormat } from "../components/useFormat";

/** What a final report usually carries; the payments service takes any code, one file each. */
const REPORT_ANNEXES = ["technical_report", "financial_statement"] as const;

export function GrantPage() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const { api, session } = useConsole();
  const f = useFormat();
  const command = useCommand();
  const grant = useResource(() => unwrap(api.payments.GET("/v1/grants/{grant_id}", { params: { path: { grant_id: id } } })), [id]);
  const annexes = useResource(() => unwrap(api.payments.GET("/v1/grants/{grant_id}/annexes", { params: { path: { grant_id: id } } })), [id]);
  const fetchAnnex = useCommand();
  const [summary, setSummary] = useState("");
  const [bankReference, setBankReference] = useState("");
  const [recovery, setRecovery] = useState({ amount: "", reason: "" });
  const g = grant.data;
  const is = (role: string) => session?.roles.includes(role as never) ?? false;
  const headers = () => commandHeaders(g?.version);

  async function run(call: () => Promise<unknown>) {
    if (await command.run(call)) grant.reload();
  }
  const order = (instalment_id: string) => run(() => unwrap(api.payments.POST("/v1/instalments/{instalment_id}/payment-orders",
    { params: { path: { instalment_id } }, headers: headers() })));
  const approve = (order_id: string) => run(() => unwrap(api.payments.POST("/v1/payment-orders/{order_id}/approve",
    { params: { path: { order_id } }, headers: headers() })));
  const disbursed = (order_id: string) => run(() => unwrap(api.payments.POST("/v1/payment-orders/{order_id}/disbursed",
    { params: { path: { order_id } }, headers: headers(), body: { bank_reference: bankReference } })));
  const failed = (order_id: string) => run(() => unwrap(api.payments.POST("/v1/payment-orders/{order_id}/failed",
    { params: { path: { order_id } }, headers: headers(), body: { reason: bankReference || t("grant.bankRefused") } })));
  const decide = (report_id: string, verdict: "approve" | "reject") => run(() => unwrap(verdict === "approve"
    ? api.payments.POST("/v1/grants/{grant_id}/reports/{report_id}/approve", { params: { path: { grant_id: id, report_id } }, headers: headers() })
    : api.payments.POST("/v1/grants/{grant_id}/reports/{report_id}/reject", { params: { path: { grant_id: id, report_id } }, headers: headers(), body: { reason: t("grant.reportIncomplete") } })));
  const received = (recovery_id: string) => run(() => unwrap(api.payments.POST("/v1/recoveries/{recovery_id}/received",
    { params: { path: { recovery_id } }, headers: headers() })));

  function submitReport(event: FormEvent) {
    event.preventDefault();
    void run(() => unwrap(api.payments.POST("/v1/grants/{grant_id}/reports", { params: { path: { grant_id: id } }, headers: headers(), body: { summary } })));
  }
  function orderRecovery(event: FormEvent) {
    event.preventDefault();
    const amount_cents = parseMoney(recovery.amount, f.locale) ?? -1;
    void run(() => unwrap(api.payments.POST("/v1/grants/{grant_id}/recoveries", { params: { path: { grant_id: id } }, headers: headers(), body: { amount_cents, reason: recovery.reason } })));
  }

  return (
    <>
      <ProblemNote problem={grant.problem} />
      {g && (
        <article>
          <h1>{t("grant.title", { amount: f.money(g.amount_cents, g.currency) })}</h1>
          <p>{t("grant.status")}: <strong>{t(`grantStatus.${g.status}`)}</strong> · {t("grant.paid")}: {f.money(g.paid_cents, g.currency)} · {t("grant.recovered")}: {f.money(g.recovered_cents, g.currency)}</p>
          <ProblemNote problem={command.problem} onReload={() => { command.clear(); grant.reload(); }} />
          <h2>{t("grant.instalments")}</h2>
          <table><thead><tr><th>{t("grant.label")}</th><th>{t("grant.amount")}</th><th>{t("grant.trigger")}</th><th>{t("grant.status")}</th><th>{t("grant.actions")}</th></tr></thead>
            <tbody>{g.instalments.map((i) => (
              <tr key={i.id}><td>{i.label}</td><td>{f.money(i.amount_cents, g.currency)}</td><td>{t(`trigger.${i.trigger}`)}</td>
                <td>{t(`instalment.${i.status}`)}</td>
                <td>{is("finance_officer") && ["due", "failed"].includes(i.status) &&
                  <button type="button" disabled={command.busy} onClick={() => void order(i.id)}>{t("grant.order", { label: i.label })}</button>}</td></tr>))}
            </tbody></table>
          {g.payment_orders.length > 0 && <>
            <h2>{t("grant.orders")}</h2>
            {is("finance_officer") && <Field label={t("grant.bankReference")} value={bankReference} onChange={(e) => setBankReference(e.target.value)} />}
            <table><thead><tr><th>{t("grant.amount")}</th><th>{t("grant.status")}</th><th>{t("grant.orderedBy")}</th><th>{t("grant.approvedBy")}</th><th>{t("grant.actions")}</th></tr></thead>
              <tbody>{g.payment_orders.map((o) => (
                <tr key={o.id}><td>{f.money(o.amount_cents, g.currency)}</td><td>{t(`order.${o.status}`)}</td>
                  <td>{o.ordered_by ?? "–"}</td><td>{o.approved_by ?? "–"}</td>
                  <td>{is("finance_officer") && o.status === "ordered" && o.ordered_by !== session?.sub &&
                      <button type="button" disabled={command.busy} onClick={() => void approve(o.id)}>{t("grant.approve")}</button>}
                    {is("finance_officer") && o.status === "ordered" && o.ordered_by === session?.sub && <span>{t("grant.awaitingOther")}</span>}
                    {is("finance_officer") && o.status === "approved" && <>
                      <button type="button" disabled={command.busy || !bankReference} onClick={() => void disbursed(o.id)}>{t("grant.disbursed")}</button>
                      <button type="button" className="secondary" disabled={command.busy} onClick={() => void failed(o.id)}>{t("grant.failed")}</button></>}
                  </td></tr>))}
              </tbody></table></>}
          <h2>{t("grant.reports")}</h2>
          <ul>{g.reports.map((r) => (
            <li key={r.id}>{f.instant(r.submitted_at)} · {t(`reportStatus.${r.status}`)} · {r.summary}
              {(r.annexes ?? []).length > 0 && <ul>{(r.annexes ?? []).map((x) => (
                <li key={x.annex_id}><button type="button" className="secondary" disabled={fetchAnnex.busy}
                  onClick={() => void fetchAnnex.run(() => saveDownload(`/api/payments/v1/grants/${id}/annexes/${x.annex_id}`, session?.token ?? null, x.name))}>
                  {t("annex.download", { name: x.name })}</button> <code className="hash">{x.sha256}</code></li>))}</ul>}
              {is("programme_manager") && r.status === "submitted" && <>
                <button type="button" onClick={() => void decide(r.id, "approve")}>{t("grant.approveReport")}</button>
                <button type="button" className="secondary" onClick={() => void decide(r.id, "reject")}>{t("grant.rejectReport")}</button></>}
            </li>))}</ul>
          <ProblemNote problem={fetchAnnex.problem ?? annexes.problem} />
          {is("applicant") && g.status === "awarded" && (
            <Annexes heading={t("annex.ofReport")} base={`/api/payments/v1/grants/${id}/annexes`}
              slots={REPORT_ANNEXES.map((code) => ({ code, title: t(`annex.report.${code}`) }))}
              attached={(annexes.data?.items ?? []).filter((x) => x.report_id === null)} version={g.version}
              canChange onChanged={() => { annexes.reload(); grant.reload(); }} />)}
          {is("applicant") && (
            <form onSubmit={submitReport}>
              <div className="field"><label htmlFor="report">{t("grant.finalReport")}</label>
                <textarea id="report" rows={4} value={summary} onChange={(e) => setSummary(e.target.value)} required /></div>
              <button type="submit" disabled={command.busy}>{t("grant.submitReport")}</button>
            </form>)}
          <h2>{t("grant.recoveries")}</h2>
          <ul>{g.recoveries.map((r) => (
            <li key={r.id}>{f.money(r.amount_cents, g.currency)} · {r.reason} · {t(`recovery.${r.status}`)}
              {is("finance_officer") && r.status === "ordered" && <button type="button" onClick={() => void received(r.id)}>{t("grant.received")}</button>}</li>))}</ul>
          {is("finance_officer") && (
            <form onSubmit={orderRecovery}>
              <Field label={t("grant.recoveryAmount", { currency: g.currency })} inputMode="decimal" value={recovery.amount}
                onChange={(e) => setRecovery({ ...recovery, amount: e.target.value })} field="amount_cents" problem={command.problem} required />
              <Field label={t("grant.recoveryReason")} value={recovery.reason} onChange={(e) => setRecovery({ ...recovery, reason: e.target.value })} required />
              <button type="submit" disabled={command.busy}>{t("grant.orderRecovery")}</button>
            </form>)}
        </article>
      )}
    </>
  );
}
