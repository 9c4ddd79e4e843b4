// A programme's report with its charts; auditors move `as_of` to see the figures as they stood.
import { useState } from "react";
import { useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { unwrap } from "../api/client";
import { useConsole } from "../api/context";
import { toProblem } from "../api/problem";
import { moneyOverTime, type Breakdown, type Report } from "../api/report";
import { localInputToInstant } from "../format";
import { Field } from "../components/Field";
import { ProblemNote } from "../components/ProblemNote";
import { useCommand, useResource } from "../components/hooks";
import { useFormat } from "../components/useFormat";

async function allGrants(load: (cursor?: string) => Promise<{ items: unknown[]; next_cursor?: string | null }>) {
  const items: unknown[] = [];
  let cursor: string | undefined;
  do {
    const page = await load(cursor);
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return items;
}

function Chart({ title, children, summary }: { title: string; summary: string; children: React.ReactElement }) {
  const { t } = useTranslation();
  const noData = t("report.noData");
  return (
    <figure className="card" aria-label={title}>
      <figcaption><h3>{title}</h3></figcaption>
      <div role="img" aria-label={summary || noData} style={{ width: "100%", height: 260 }}>
        <ResponsiveContainer>{children}</ResponsiveContainer>
      </div>
    </figure>
  );
}

export function ReportPage() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const { api, session } = useConsole();
  const f = useFormat();
  const download = useCommand();
  const auditor = session?.roles.includes("auditor") ?? false;
  const [asOfInput, setAsOfInput] = useState("");
  const asOf = asOfInput ? localInputToInstant(asOfInput) : undefined;
  const report = useResource(() => unwrap(api.reporting.GET("/v1/reports/programmes/{programme_id}",
    { params: { path: { programme_id: id }, query: { as_of: asOf } } })) as Promise<unknown> as Promise<Report>, [id, asOf]);
  const grants = useResource(() => allGrants((cursor) => unwrap(api.payments.GET("/v1/grants",
    { params: { query: { programme_id: id, cursor, limit: 500 } } }))), [id]);
  const r = report.data;
  const currency = r?.currency ?? "EUR";
  const money = (v: number) => f.money(Math.round(v * 100), currency);
  const lines = (data: Record<string, Breakdown>) => Object.entries(data).map(([key, b]) => ({ key, ...b, committed: b.committed_cents / 100 }));
  const series = grants.data ? moneyOverTime(grants.data as Parameters<typeof moneyOverTime>[0], asOf ?? r?.as_of) : [];

  async function fetchFile(path: string, name: string) {
    await download.run(async () => {
      const response = await fetch(`/api/reporting${path}`, { headers: { Authorization: `Bearer ${session?.token ?? ""}` } });
      if (!response.ok) throw toProblem(response.status, await response.json().catch(() => null));
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = name;
      link.click();
      return true;
    });
  }

  return (
    <>
      <h1>{t("report.title")}{r?.programme?.name ? `: ${r.programme.name}` : ""}</h1>
      {auditor && <Field label={t("report.asOfUtc")} type="datetime-local" value={asOfInput} onChange={(e) => setAsOfInput(e.target.value)}
        field="as_of" problem={report.problem} />}
      <ProblemNote problem={report.problem ?? grants.problem ?? download.problem} />
      <div className="row">
        <button type="button" onClick={() => void fetchFile(`/v1/exports/grants.csv?programme_id=${id}`, "grants.csv")}>{t("report.csv")}</button>
        <button type="button" onClick={() => void fetchFile(`/v1/exports/360giving?programme_id=${id}`, "360giving.json")}>{t("report.giving")}</button>
      </div>
      {r && <>
        <p>{t("report.asOf", { when: f.instant(r.as_of) })} ({t(`report.basis.${r.basis}`)})</p>
        <div className="cards">
          <div className="card"><p>{t("report.committed")}</p><p className="figure" data-testid="committed">{f.money(r.committed_cents, currency)}</p></div>
          <div className="card"><p>{t("report.paid")}</p><p className="figure">{f.money(r.paid_cents, currency)}</p></div>
          <div className="card"><p>{t("report.recovered")}</p><p className="figure">{f.money(r.recovered_cents, currency)}</p></div>
          <div className="card"><p>{t("report.smes")}</p><p className="figure">{f.number(r.smes_supported)}</p></div>
          <div className="card"><p>{t("report.successRate")}</p><p className="figure">{r.success_rate != null ? f.number(r.success_rate * 100) + " %" : "–"}</p></div>
        </div>
        <div className="cards">
          <Chart title={t("report.moneyOverTime")} summary={t("report.moneySummary", { committed: f.money(r.committed_cents, currency), paid: f.money(r.paid_cents, currency) })}>
            <LineChart data={series}><CartesianGrid strokeDasharray="3 3" /><XAxis dataKey="at" tickFormatter={(v: string) => f.date(v)} />
              <YAxis tickFormatter={(v: number) => f.number(v)} width={80} /><Tooltip formatter={(v) => money(Number(v))} labelFormatter={(v) => f.instant(String(v))} /><Legend />
              <Line type="stepAfter" dataKey="committed" name={t("report.committed")} stroke="#0b3d91" />
              <Line type="stepAfter" dataKey="paid" name={t("report.paid")} stroke="#05620f" />
              <Line type="stepAfter" dataKey="recovered" name={t("report.recovered")} stroke="#a10000" /></LineChart>
          </Chart>
          <Chart title={t("report.byStatus")} summary={Object.entries(r.applications).map(([k, v]) => `${t(`status.${k}`)} ${v}`).join(", ")}>
            <BarChart data={Object.entries(r.applications).filter(([, v]) => v > 0).map(([k, v]) => ({ key: t(`status.${k}`), value: v }))}>
              <CartesianGrid strokeDasharray="3 3" /><XAxis dataKey="key" /><YAxis allowDecimals={false} /><Tooltip />
              <Bar dataKey="value" name={t("report.applications")} fill="#0b3d91" /></BarChart>
          </Chart>
          <Chart title={t("report.byCountry")} summary={Object.entries(r.by_country).map(([k, b]) => `${k} ${b.applications}/${b.contracted}`).join(", ")}>
            <BarChart data={lines(r.by_country)}><CartesianGrid strokeDasharray="3 3" /><XAxis dataKey="key" /><YAxis allowDecimals={false} /><Tooltip /><Legend />
              <Bar dataKey="applications" name={t("report.applications")} fill="#6b8fd6" /><Bar dataKey="contracted" name={t("report.contracted")} fill="#0b3d91" /></BarChart>
          </Chart>
          <Chart title={t("report.byObjective")} summary={Object.entries(r.by_objective).map(([k, b]) => `${k} ${b.applications}`).join(", ")}>
            <BarChart data={lines(r.by_objective).map((l) => ({ ...l, key: t(`objective.${l.key}`, { defaultValue: l.key }) }))}><CartesianGrid strokeDasharray="3 3" /><XAxis dataKey="key" /><YAxis allowDecimals={false} /><Tooltip /><Legend />
              <Bar dataKey="applications" name={t("report.applications")} fill="#6b8fd6" /><Bar dataKey="contracted" name={t("report.contracted")} fill="#0b3d91" /></BarChart>
          </Chart>
          <Chart title={t("report.byKind")} summary={Object.entries(r.by_call_kind).map(([k, b]) => `${k} ${money(b.committed_cents / 100)}`).join(", ")}>
            <BarChart data={lines(r.by_call_kind).map((l) => ({ ...l, key: t(`kind.${l.key}`, { defaultValue: l.key }) }))}><CartesianGrid strokeDasharray="3 3" /><XAxis dataKey="key" /><YAxis tickFormatter={(v: number) => f.number(v)} width={80} /><Tooltip formatter={(v) => money(Number(v))} />
              <Bar dataKey="committed" name={t("report.committed")} fill="#0b3d91" /></BarChart>
          </Chart>
          <Chart title={t("report.targets")} summary={r.calls.map((c) => `${c.code}: ${money(c.committed_cents / 100)} / ${money(c.budget_cents / 100)}`).join(", ")}>
            <BarChart data={r.calls.map((c) => ({ key: c.code, budget: c.budget_cents / 100, committed: c.committed_cents / 100, paid: c.paid_cents / 100 }))}>
              <CartesianGrid strokeDasharray="3 3" /><XAxis dataKey="key" /><YAxis tickFormatter={(v: number) => f.number(v)} width={80} /><Tooltip formatter={(v) => money(Number(v))} /><Legend />
              <Bar dataKey="budget" name={t("report.budget")} fill="#cdd3da" /><Bar dataKey="committed" name={t("report.committed")} fill="#0b3d91" /><Bar dataKey="paid" name={t("report.paid")} fill="#05620f" /></BarChart>
          </Chart>
        </div>
        <h2>{t("report.targets")}</h2>
        <table><thead><tr><th>{t("call.code")}</th><th>{t("report.plannedAwards")}</th><th>{t("report.supportActions")}</th><th>{t("report.budget")}</th><th>{t("report.committed")}</th><th>{t("report.paid")}</th></tr></thead>
          <tbody>{r.calls.map((c) => <tr key={c.call_id}><td>{c.code}</td><td>{c.planned_awards ?? "–"}</td><td>{c.support_actions}</td>
            <td>{f.money(c.budget_cents, currency)}</td><td>{f.money(c.committed_cents, currency)}</td><td>{f.money(c.paid_cents, currency)}</td></tr>)}</tbody></table>
      </>}
    </>
  );
}
