// The applicant's home (organisations, applications, grants) and drafting an application.
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { unwrap, type Objective } from "../api/client";
import { commandHeaders } from "../api/commands";
import { useConsole } from "../api/context";
import { parseMoney } from "../format";
import { Field, Select } from "../components/Field";
import { Paged } from "../components/Paged";
import { CallForm, type Answers } from "../components/CallForm";
import { ProblemNote } from "../components/ProblemNote";
import { useCommand, useResource } from "../components/hooks";
import { useFormat } from "../components/useFormat";

const SIZES = ["micro", "small", "medium", "large"] as const;

export function ApplicantHome() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const f = useFormat();
  const [round, setRound] = useState(0);
  return (
    <>
      <h1>{t("applicant.title")}</h1>
      <h2>{t("applicant.organisations")}</h2>
      <Paged label={t("applicant.organisations")} empty={t("applicant.noOrganisations")} deps={[round]}
        load={(cursor) => unwrap(api.applications.GET("/v1/me/organisations", { params: { query: { cursor } } }))}
        render={(orgs) => <ul>{orgs.map((o) => <li key={o.id}>{o.name} ({o.country}, {t(`size.${o.size}`)})</li>)}</ul>} />
      <RegisterOrganisation onDone={() => setRound((r) => r + 1)} />
      <h2>{t("applicant.applications")}</h2>
      <Paged label={t("applicant.applications")} empty={t("applicant.noApplications")}
        load={(cursor) => unwrap(api.applications.GET("/v1/applications", { params: { query: { cursor } } }))}
        render={(apps) => (
          <table><thead><tr><th>{t("application.title")}</th><th>{t("application.status")}</th><th>{t("application.requested")}</th></tr></thead>
            <tbody>{apps.map((a) => <tr key={a.id}><td><Link to={`/applications/${a.id}`}>{a.title}</Link></td>
              <td>{t(`status.${a.status}`)}</td><td>{f.money(a.requested_cents)}</td></tr>)}</tbody></table>)} />
      <p><Link to="/">{t("applicant.findCall")}</Link></p>
      <h2>{t("applicant.grants")}</h2>
      <Paged label={t("applicant.grants")} empty={t("applicant.noGrants")}
        load={(cursor) => unwrap(api.payments.GET("/v1/grants", { params: { query: { cursor } } }))}
        render={(grants) => <ul>{grants.map((g) => <li key={g.id}><Link to={`/grants/${g.id}`}>{t("grant.of", { amount: f.money(g.amount_cents, g.currency) })}</Link> · {t(`grantStatus.${g.status}`)}</li>)}</ul>} />
    </>
  );
}

function RegisterOrganisation({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const { api } = useConsole();
  const command = useCommand();
  const [form, setForm] = useState({ name: "", country: "", size: "small", registered_on: "", pic: "", vat_id: "" });
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const done = await command.run(() => unwrap(api.applications.POST("/v1/organisations", {
      headers: commandHeaders(),
      body: { name: form.name, country: form.country.toUpperCase(), size: form.size as (typeof SIZES)[number],
        registered_on: form.registered_on, pic: form.pic || null, vat_id: form.vat_id || null, tags: [] },
    })));
    if (done) { setForm({ name: "", country: "", size: "small", registered_on: "", pic: "", vat_id: "" }); onDone(); }
  }
  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby="register-org">
      <h3 id="register-org">{t("organisation.register")}</h3>
      <ProblemNote problem={command.problem} />
      <Field label={t("organisation.name")} value={form.name} onChange={set("name")} field="name" problem={command.problem} required />
      <Field label={t("organisation.country")} value={form.country} onChange={set("country")} field="country" problem={command.problem} maxLength={2} required />
      <Select label={t("organisation.size")} value={form.size} onChange={set("size")} options={SIZES.map((s) => ({ value: s, label: t(`size.${s}`) }))} />
      <Field label={t("organisation.registeredOn")} type="date" value={form.registered_on} onChange={set("registered_on")} field="registered_on" problem={command.problem} required />
      <p id="pic-or-vat">{t("organisation.picOrVat")}</p>
      <Field label={t("organisation.pic")} value={form.pic} onChange={set("pic")} field="pic" problem={command.problem} aria-describedby="pic-or-vat" />
      <Field label={t("organisation.vat")} value={form.vat_id} onChange={set("vat_id")} field="vat_id" problem={command.problem} aria-describedby="pic-or-vat" />
      <button type="submit" disabled={command.busy}>{t("organisation.registerAction")}</button>
    </form>
  );
}

export function ApplyToCall() {
  const { t } = useTranslation();
  const { callId = "" } = useParams();
  const { api } = useConsole();
  const f = useFormat();
  const navigate = useNavigate();
  const command = useCommand();
  const call = useResource(() => unwrap(api.calls.GET("/v1/public/calls/{call_id}", { params: { path: { call_id: callId } } })), [callId]);
  const orgs = useResource(() => unwrap(api.applications.GET("/v1/me/organisations", { params: { query: { limit: 100 } } })), []);
  const [form, setForm] = useState({ lead: "", title: "", summary: "", requested: "", trl: "4" });
  const [objectives, setObjectives] = useState<string[]>([]);
  const [answers, setAnswers] = useState<Answers>({});
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });
  const c = call.data;
  const lead = form.lead || orgs.data?.items[0]?.id || "";

  async function save(event: FormEvent) {
    event.preventDefault();
    const requested = parseMoney(form.requested, f.locale);
    // The answers go with the draft, as far as they are filled in; submission checks them whole.
    const body = { call_id: callId, lead_organisation_id: lead, partner_organisation_ids: [], title: form.title,
      summary: form.summary, requested_cents: requested ?? -1, trl: Number(form.trl), objectives: objectives as Objective[],
      ...(c?.form ? { answers } : {}) };
    const draft = await command.run(() => unwrap(api.applications.POST("/v1/applications", { headers: commandHeaders(), body })));
    if (draft) navigate(`/applications/${draft.id}`);
  }

  return (
    <>
      <ProblemNote problem={call.problem ?? orgs.problem} />
      {c && (
        // A draft may leave the form's required answers for later: the browser must not block it.
        <form onSubmit={(e) => void save(e)} noValidate={!!c.form}>
          <h1>{t("application.new", { call: c.title })}</h1>
          <p>{t("call.grantRange")}: {f.money(c.min_grant_cents, c.currency)} – {f.money(c.max_grant_cents, c.currency)}</p>
          <ProblemNote problem={command.problem} />
          <Select label={t("application.lead")} value={lead} onChange={set("lead")}
            options={(orgs.data?.items ?? []).map((o) => ({ value: o.id, label: o.name }))} />
          <Field label={t("application.title")} value={form.title} onChange={set("title")} field="title" problem={command.problem} required />
          <div className="field">
            <label htmlFor="summary">{t("application.summary")}</label>
            <textarea id="summary" rows={4} value={form.summary} onChange={set("summary")} />
          </div>
          <Field label={t("application.requestedIn", { currency: c.currency })} inputMode="decimal" value={form.requested}
            onChange={set("requested")} field="requested_cents" problem={command.problem} required
            placeholder={f.number(12345.5)} />
          <Field label={t("application.trl")} type="number" min={1} max={9} value={form.trl} onChange={set("trl")} field="trl" problem={command.problem} />
          <fieldset>
            <legend>{t("application.objectives")}</legend>
            {c.objectives.map((o) => (
              <label key={o} className="check">
                <input type="checkbox" checked={objectives.includes(o)}
                  onChange={(e) => setObjectives(e.target.checked ? [...objectives, o] : objectives.filter((x) => x !== o))} />
                {t(`objective.${o}`, { defaultValue: o })}
              </label>))}
          </fieldset>
          {c.form && <CallForm schema={c.form.schema} uiSchema={c.form.ui_schema} answers={answers} onChange={setAnswers} problem={command.problem} />}
          <button type="submit" disabled={command.busy || !lead}>{t("application.saveDraft")}</button>
        </form>
      )}
    </>
  );
}
