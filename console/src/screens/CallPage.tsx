// One call as its programme manager runs it: publish, extend, amend, close; evaluators; rank and select.
import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { unwrap } from "../api/client";
import { commandHeaders } from "../api/commands";
import { useConsole } from "../api/context";
import { localInputToInstant, parseMoney } from "../format";
import { Field } from "../components/Field";
import { Paged } from "../components/Paged";
import { ProblemNote } from "../components/ProblemNote";
import { useCommand, useResource } from "../components/hooks";
import { PanelForm } from "./Review";
import { useFormat } from "../components/useFormat";

export function CallPage() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const { api } = useConsole();
  const f = useFormat();
  const command = useCommand();
  const [note, setNote] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const [registered, setRegistered] = useState<string[]>([]);
  const call = useResource(() => unwrap(api.calls.GET("/v1/calls/{call_id}", { params: { path: { call_id: id } } })), [id, round]);
  const [form, setForm] = useState({ closes: "", budget: "", reason: "", evaluatorSub: "", evaluatorName: "" });
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });
  const c = call.data;

  async function run(done: string, command_: () => Promise<unknown>) {
    if (await command.run(command_)) { setNote(t(done)); setRound((r) => r + 1); }
  }
  const path = { params: { path: { call_id: id } } };
  const versioned = () => ({ ...path, headers: commandHeaders(c?.version) });
  const publish = () => run("callPage.published", () => unwrap(api.calls.POST("/v1/calls/{call_id}/publish", versioned())));
  const extend = (e: FormEvent) => { e.preventDefault(); void run("callPage.extended", () => unwrap(api.calls.POST("/v1/calls/{call_id}/extend-deadline",
    { ...versioned(), body: { closes_at: form.closes ? localInputToInstant(form.closes) : "", reason: form.reason } }))); };
  const amend = (e: FormEvent) => { e.preventDefault(); void run("callPage.amended", () => unwrap(api.calls.POST("/v1/calls/{call_id}/amend-budget",
    { ...versioned(), body: { budget_cents: parseMoney(form.budget, f.locale) ?? -1, reason: form.reason } }))); };
  const close = () => run("callPage.closed", () => unwrap(api.calls.POST("/v1/calls/{call_id}/close", { ...versioned(), body: { reason: form.reason || t("callPage.closedEarly") } })));
  // Assignment, ranking and selection act on the call's applications in the applications service.
  const onApplications = () => ({ ...path, headers: commandHeaders() });
  const assign = () => run("callPage.assigned", () => unwrap(api.applications.POST("/v1/calls/{call_id}/assignments", onApplications())));
  const rank = () => run("callPage.ranked", () => unwrap(api.applications.POST("/v1/calls/{call_id}/ranking", onApplications())));
  const select = () => run("callPage.selected", () => unwrap(api.applications.POST("/v1/calls/{call_id}/selection", onApplications())));
  const register = (e: FormEvent) => { e.preventDefault(); void run("callPage.evaluatorRegistered", async () => {
    const evaluator = await unwrap(api.applications.POST("/v1/evaluators",
      { headers: commandHeaders(), body: { sub: form.evaluatorSub, name: form.evaluatorName, conflicts: [] } }));
    setRegistered((ids) => [...ids, evaluator.id]);
    return evaluator;
  }); };
  // Results are published in the calls service, once selection there is known.
  const publishResults = () => run("callPage.resultsPublished", () => unwrap(api.calls.POST("/v1/calls/{call_id}/publish-results", versioned())));

  return (
    <>
      <ProblemNote problem={call.problem} />
      {c && <article>
        <h1>{c.title} <small>({c.code})</small></h1>
        <p>{t("call.status")}: <strong data-testid="call-status">{t(`callStatus.${c.status}`)}</strong> · {t("call.closesAt")}: {f.instant(c.closes_at)} ·{" "}
          {t("call.budget")}: {f.money(c.budget_cents, c.currency)} · {t("call.committed")}: {f.money(c.committed_cents, c.currency)}</p>
        {note && <p role="status" className="ok">{note}</p>}
        <ProblemNote problem={command.problem} onReload={() => { command.clear(); setRound((r) => r + 1); }} />
        <Field label={t("callPage.reason")} value={form.reason} onChange={set("reason")} field="reason" problem={command.problem} />
        <div className="row">
          {c.status === "draft" && <button type="button" onClick={() => void publish()} disabled={command.busy}>{t("callPage.publish")}</button>}
          {["published", "open"].includes(c.status) && <button type="button" onClick={() => void close()} disabled={command.busy}>{t("callPage.close")}</button>}
          {c.status === "closed" && <button type="button" onClick={() => void assign()} disabled={command.busy}>{t("callPage.assign")}</button>}
          {["closed", "under_evaluation"].includes(c.status) && <button type="button" onClick={() => void rank()} disabled={command.busy}>{t("callPage.rank")}</button>}
          {["closed", "under_evaluation"].includes(c.status) && <button type="button" onClick={() => void select()} disabled={command.busy}>{t("callPage.select")}</button>}
          {["closed", "under_evaluation"].includes(c.status) && <button type="button" className="secondary" onClick={() => void publishResults()} disabled={command.busy}>{t("callPage.publishResults")}</button>}
        </div>
        <div className="cards">
          <form onSubmit={extend} className="card"><h2>{t("callPage.extend")}</h2>
            <Field label={t("callPage.newDeadlineUtc")} type="datetime-local" value={form.closes} onChange={set("closes")} field="closes_at" problem={command.problem} />
            <button type="submit" disabled={command.busy}>{t("callPage.extend")}</button></form>
          <form onSubmit={amend} className="card"><h2>{t("callPage.amend")}</h2>
            <Field label={t("callPage.newBudgetIn", { currency: c.currency })} inputMode="decimal" value={form.budget} onChange={set("budget")} field="budget_cents" problem={command.problem} />
            <button type="submit" disabled={command.busy}>{t("callPage.amend")}</button></form>
          <form onSubmit={register} className="card"><h2>{t("callPage.registerEvaluator")}</h2>
            <Field label={t("callPage.evaluatorSub")} value={form.evaluatorSub} onChange={set("evaluatorSub")} field="sub" problem={command.problem} />
            <Field label={t("callPage.evaluatorName")} value={form.evaluatorName} onChange={set("evaluatorName")} field="name" problem={command.problem} />
            <button type="submit" disabled={command.busy}>{t("callPage.register")}</button></form>
          {["closed", "published", "open", "draft"].includes(c.status) &&
            <PanelForm callId={id} known={registered} onDone={(text) => setNote(text)} />}
        </div>
        <h2>{t("callPage.applications")}</h2>
        <Paged label={t("callPage.applications")} empty={t("callPage.noApplications")} deps={[round]}
          load={(cursor) => unwrap(api.applications.GET("/v1/applications", { params: { query: { call_id: id, cursor } } }))}
          render={(apps) => (
            <table><thead><tr><th>{t("application.title")}</th><th>{t("application.status")}</th><th>{t("application.score")}</th><th>{t("application.rank")}</th><th>{t("application.requested")}</th></tr></thead>
              <tbody>{apps.map((a) => <tr key={a.id}><td><Link to={`/applications/${a.id}`}>{a.title}</Link></td><td>{t(`status.${a.status}`)}</td>
                <td>{a.score != null ? f.number(a.score) : "–"}</td><td>{a.rank ?? "–"}</td><td>{f.money(a.requested_cents, c.currency)}</td></tr>)}</tbody></table>)} />
        <h2>{t("callPage.grants")}</h2>
        <Paged label={t("callPage.grants")} empty={t("finance.noGrants")} deps={[round]}
          load={(cursor) => unwrap(api.payments.GET("/v1/grants", { params: { query: { call_id: id, cursor } } }))}
          render={(grants) => <ul>{grants.map((g) => <li key={g.id}><Link to={`/grants/${g.id}`}>{t("finance.grantOf", { country: g.country ?? "–", amount: f.money(g.amount_cents, g.currency) })}</Link> · {t(`grantStatus.${g.status}`)}</li>)}</ul>} />
        <p><Link to={`/reports/programmes/${c.programme_id}`}>{t("report.open")}</Link></p>
      </article>}
    </>
  );
}
