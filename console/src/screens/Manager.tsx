// The programme manager's programmes, and one programme with its calls and a new call's draft.
import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { unwrap, type Objective } from "../api/client";
import { commandHeaders } from "../api/commands";
import { useConsole } from "../api/context";
import { localInputToInstant, parseMoney } from "../format";
import { Field, Select } from "../components/Field";
import { Paged } from "../components/Paged";
import { ProblemNote } from "../components/ProblemNote";
import { useCommand, useResource } from "../components/hooks";
import { useFormat } from "../components/useFormat";

export function ManagerHome() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const f = useFormat();
  const command = useCommand();
  const [round, setRound] = useState(0);
  const [form, setForm] = useState({ code: "", name: "", currency: "EUR", budget: "" });
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });

  async function create(event: FormEvent) {
    event.preventDefault();
    const made = await command.run(() => unwrap(api.calls.POST("/v1/programmes", { headers: commandHeaders(), body: {
      code: form.code, name: form.name, currency: form.currency, budget_cents: parseMoney(form.budget, f.locale) ?? -1 } })));
    if (made) { setForm({ code: "", name: "", currency: "EUR", budget: "" }); setRound((r) => r + 1); }
  }
  return (
    <>
      <h1>{t("manager.title")}</h1>
      <Paged label={t("manager.programmes")} empty={t("manager.noProgrammes")} deps={[round]}
        load={(cursor) => unwrap(api.calls.GET("/v1/programmes", { params: { query: { cursor } } }))}
        render={(programmes) => (
          <table><thead><tr><th>{t("programme.code")}</th><th>{t("programme.name")}</th><th>{t("programme.budget")}</th><th>{t("programme.remaining")}</th></tr></thead>
            <tbody>{programmes.map((p) => {
              const v = p as { id: string; code: string; name: string; currency: string; budget_cents: number; remaining_cents: number };
              return <tr key={v.id}><td>{v.code}</td><td><Link to={`/manager/programmes/${v.id}`}>{v.name}</Link></td>
                <td>{f.money(v.budget_cents, v.currency)}</td><td>{f.money(v.remaining_cents, v.currency)}</td></tr>;
            })}</tbody></table>)} />
      <form onSubmit={(e) => void create(e)} aria-labelledby="new-programme">
        <h2 id="new-programme">{t("programme.new")}</h2>
        <ProblemNote problem={command.problem} />
        <Field label={t("programme.code")} value={form.code} onChange={set("code")} field="code" problem={command.problem} required />
        <Field label={t("programme.name")} value={form.name} onChange={set("name")} field="name" problem={command.problem} required />
        <Field label={t("programme.currency")} value={form.currency} onChange={set("currency")} field="currency" problem={command.problem} maxLength={3} />
        <Field label={t("programme.budgetIn", { currency: form.currency })} inputMode="decimal" value={form.budget} onChange={set("budget")} field="budget_cents" problem={command.problem} required />
        <button type="submit" disabled={command.busy}>{t("programme.create")}</button>
      </form>
    </>
  );
}

const KINDS = ["innovation_voucher", "green_voucher", "demo_project", "services", "prize", "other"] as const;
const MODES = ["ranked", "first_come_first_served"] as const;
const SIZES = ["micro", "small", "medium"] as const;

export function ProgrammePage() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const { api } = useConsole();
  const f = useFormat();
  const programme = useResource(() => unwrap(api.calls.GET("/v1/programmes/{programme_id}", { params: { path: { programme_id: id } } })), [id]);
  const [round, setRound] = useState(0);
  const p = programme.data as { id: string; name: string; code: string; currency: string; budget_cents: number; remaining_cents: number; objectives: string[] } | null;
  return (
    <>
      <ProblemNote problem={programme.problem} />
      {p && <>
        <h1>{p.name} <small>({p.code})</small></h1>
        <p>{t("programme.budget")}: {f.money(p.budget_cents, p.currency)} · {t("programme.remaining")}: {f.money(p.remaining_cents, p.currency)}</p>
        <p><Link to={`/reports/programmes/${p.id}`}>{t("report.open")}</Link></p>
        <h2>{t("programme.calls")}</h2>
        <Paged label={t("programme.calls")} empty={t("programme.noCalls")} deps={[round]}
          load={(cursor) => unwrap(api.calls.GET("/v1/calls", { params: { query: { programme_id: id, cursor } } }))}
          render={(calls) => (
            <table><thead><tr><th>{t("call.code")}</th><th>{t("call.title")}</th><th>{t("call.status")}</th><th>{t("call.budget")}</th></tr></thead>
              <tbody>{calls.map((c) => <tr key={c.id}><td>{c.code}</td><td><Link to={`/manager/calls/${c.id}`}>{c.title}</Link></td>
                <td>{t(`callStatus.${c.status}`)}</td><td>{f.money(c.budget_cents, c.currency)}</td></tr>)}</tbody></table>)} />
        <DraftCallForm programmeId={p.id} objectives={p.objectives} currency={p.currency} onDone={() => { setRound((r) => r + 1); programme.reload(); }} />
      </>}
    </>
  );
}

function inHours(hours: number): string {
  const at = new Date(Date.now() + hours * 3_600_000);
  return at.toISOString().slice(0, 16);
}

type Declaration = NonNullable<import("../api/generated/calls").components["schemas"]["DraftCall"]["required_declarations"]>[number];
const DECLARATIONS: Declaration[] = ["no_double_funding", "no_exclusion_situation", "sme_status"];

/** The one annex the draft form can ask for (none without a title), its code made from the title. */
function requiredAnnexes(title: string, types: string, megabytes: string) {
  if (!title.trim()) return [];
  const code = title.trim().toLowerCase().normalize("NFD").replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 40) || "annex";
  return [{ code, title: title.trim(), media_types: types.split(/[\s,]+/).filter(Boolean),
    max_bytes: Math.round(Number(megabytes || "0") * 1024 * 1024) }];
}

function DraftCallForm({ programmeId, objectives, currency, onDone }: { programmeId: string; objectives: string[]; currency: string; onDone: () => void }) {
  const { t } = useTranslation();
  const { api } = useConsole();
  const f = useFormat();
  const command = useCommand();
  const [form, setForm] = useState({ code: "", title: "", kind: "innovation_voucher", mode: "ranked", budget: "", max: "", min: "0",
    opens: inHours(0), closes: inHours(24 * 30), countries: "", threshold: "3", evaluators: "1",
    annexTitle: "", annexTypes: "application/pdf", annexMegabytes: "10", formSchema: "", uiSchema: "" });
  const [chosen, setChosen] = useState<string[]>(objectives.slice(0, 1));
  const [declarations, setDeclarations] = useState<Declaration[]>([]);
  const [jsonProblem, setJsonProblem] = useState<string | null>(null);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });
  const money = (text: string) => parseMoney(text, f.locale) ?? -1;

  async function draft(event: FormEvent) {
    event.preventDefault();
    let applicationForm: { schema: Record<string, unknown>; ui_schema: Record<string, unknown> | null } | null = null;
    try {
      applicationForm = form.formSchema.trim() ? { schema: JSON.parse(form.formSchema), ui_schema: form.uiSchema.trim() ? JSON.parse(form.uiSchema) : null } : null;
      setJsonProblem(null);
    } catch {
      setJsonProblem(t("call.formNotJson"));
      return;
    }
    const countries = form.countries.split(/[\s,]+/).filter(Boolean).map((c) => c.toUpperCase());
    const made = await command.run(() => unwrap(api.calls.POST("/v1/calls", { headers: commandHeaders(), body: {
      programme_id: programmeId, code: form.code, title: form.title, kind: form.kind as (typeof KINDS)[number],
      selection_mode: form.mode as (typeof MODES)[number], budget_cents: money(form.budget), max_grant_cents: money(form.max),
      min_grant_cents: money(form.min), opens_at: localInputToInstant(form.opens), closes_at: localInputToInstant(form.closes),
      objectives: chosen as Objective[],
      eligibility: [{ type: "applicant_size_in", sizes: [...SIZES] }, ...(countries.length ? [{ type: "applicant_country_in" as const, countries }] : [])],
      criteria: [{ code: "excellence", title: t("criteria.excellence"), weight: 1, max_score: 5, threshold: 0 },
        { code: "impact", title: t("criteria.impact"), weight: 1, max_score: 5, threshold: 0 }],
      pass_threshold: Number(form.threshold), evaluators_per_application: Number(form.evaluators),
      instalments: [{ label: t("instalment.advance"), percent: 70, trigger: "on_signature" },
        { label: t("instalment.balance"), percent: 30, trigger: "on_report_approved" }],
      counts_as_de_minimis: true,
      required_annexes: requiredAnnexes(form.annexTitle, form.annexTypes, form.annexMegabytes),
      required_declarations: declarations, form: applicationForm,
    } })));
    if (made) onDone();
  }
  const p = command.problem;
  return (
    <form onSubmit={(e) => void draft(e)} aria-labelledby="new-call" noValidate>
      <h2 id="new-call">{t("call.new")}</h2>
      <ProblemNote problem={p} />
      <Field label={t("call.code")} value={form.code} onChange={set("code")} field="code" problem={p} />
      <Field label={t("call.title")} value={form.title} onChange={set("title")} field="title" problem={p} />
      <Select label={t("call.kind")} value={form.kind} onChange={set("kind")} options={KINDS.map((k) => ({ value: k, label: t(`kind.${k}`) }))} />
      <Select label={t("call.mode")} value={form.mode} onChange={set("mode")} options={MODES.map((m) => ({ value: m, label: t(`mode.${m}`) }))} />
      <Field label={t("call.budgetIn", { currency })} inputMode="decimal" value={form.budget} onChange={set("budget")} field="budget_cents" problem={p} />
      <Field label={t("call.maxGrantIn", { currency })} inputMode="decimal" value={form.max} onChange={set("max")} field="max_grant_cents" problem={p} />
      <Field label={t("call.minGrantIn", { currency })} inputMode="decimal" value={form.min} onChange={set("min")} field="min_grant_cents" problem={p} />
      <Field label={t("call.opensAtUtc")} type="datetime-local" value={form.opens} onChange={set("opens")} field="opens_at" problem={p} />
      <Field label={t("call.closesAtUtc")} type="datetime-local" value={form.closes} onChange={set("closes")} field="closes_at" problem={p} />
      <Field label={t("call.countries")} value={form.countries} onChange={set("countries")} placeholder="FR, IT, DE" field="eligibility" problem={p} />
      <Field label={t("call.passThreshold")} type="number" step="0.1" value={form.threshold} onChange={set("threshold")} field="pass_threshold" problem={p} />
      <Field label={t("call.evaluatorsPerApplication")} type="number" min={1} value={form.evaluators} onChange={set("evaluators")} field="evaluators_per_application" problem={p} />
      <fieldset><legend>{t("call.objectives")}</legend>
        {objectives.map((o) => <label key={o} className="check"><input type="checkbox" checked={chosen.includes(o)}
          onChange={(e) => setChosen(e.target.checked ? [...chosen, o] : chosen.filter((x) => x !== o))} />{t(`objective.${o}`, { defaultValue: o })}</label>)}
      </fieldset>
      <fieldset><legend>{t("call.requiredAnnex")}</legend>
        <Field label={t("call.annexTitle")} value={form.annexTitle} onChange={set("annexTitle")} field="required_annexes" problem={p} />
        <Field label={t("call.annexTypes")} value={form.annexTypes} onChange={set("annexTypes")} />
        <Field label={t("call.annexMegabytes")} type="number" min={0} step="any" value={form.annexMegabytes} onChange={set("annexMegabytes")} />
      </fieldset>
      <fieldset><legend>{t("call.declarations")}</legend>
        {DECLARATIONS.map((d) => <label key={d} className="check"><input type="checkbox" checked={declarations.includes(d)}
          onChange={(e) => setDeclarations(e.target.checked ? [...declarations, d] : declarations.filter((x) => x !== d))} />{t(`declaration.${d}`)}</label>)}
      </fieldset>
      <div className="field">
        <label htmlFor="form-schema">{t("call.formSchema")}</label>
        <textarea id="form-schema" rows={6} value={form.formSchema} onChange={set("formSchema")} spellCheck={false}
          aria-invalid={jsonProblem ? true : undefined} aria-describedby={jsonProblem ? "form-schema-error" : undefined} />
        {jsonProblem && <p id="form-schema-error" className="field-error">{jsonProblem}</p>}
        {p?.fieldMessages("form").length ? <p className="field-error">{p.fieldMessages("form").join("; ")}</p> : null}
      </div>
      <div className="field">
        <label htmlFor="ui-schema">{t("call.uiSchema")}</label>
        <textarea id="ui-schema" rows={3} value={form.uiSchema} onChange={set("uiSchema")} spellCheck={false} />
      </div>
      <button type="submit" disabled={command.busy}>{t("call.draft")}</button>
    </form>
  );
}
