// One application: its status and eligibility reasons, and what its applicant can do next.
import { useState } from "react";
import { Link, useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { unwrap } from "../api/client";
import { commandHeaders } from "../api/commands";
import { useConsole } from "../api/context";
import { Annexes } from "../components/Annexes";
import { CallForm, type Answers } from "../components/CallForm";
import { Declarations } from "../components/Declarations";
import { EsrSection } from "./Review";
import { ProblemNote } from "../components/ProblemNote";
import { useCommand, useResource } from "../components/hooks";
import { useFormat } from "../components/useFormat";

export function ApplicationPage() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const { api, session } = useConsole();
  const f = useFormat();
  const command = useCommand();
  const [note, setNote] = useState<string | null>(null);
  const application = useResource(() => unwrap(api.applications.GET("/v1/applications/{application_id}",
    { params: { path: { application_id: id } } })), [id]);
  const a = application.data;
  const grants = useResource(async () => (a && ["contracted"].includes(a.status)
    ? unwrap(api.payments.GET("/v1/grants", { params: { query: { organisation_id: a.lead_organisation_id, limit: 500 } } }))
    : null), [a?.status, a?.lead_organisation_id]);
  const call = useResource(async () => (a ? unwrap(api.calls.GET("/v1/public/calls/{call_id}",
    { params: { path: { call_id: a.call_id } } })) : null), [a?.call_id]);
  const annexes = useResource(() => unwrap(api.applications.GET("/v1/applications/{application_id}/annexes",
    { params: { path: { application_id: id } } })), [id]);
  const [edited, setEdited] = useState<Answers | null>(null);
  const saving = useCommand();
  const answers = edited ?? a?.answers ?? {};
  const grant = grants.data?.items.find((g) => g.application_id === id);
  const applicant = session?.roles.includes("applicant");

  async function act(action: "submit" | "sign" | "withdraw" | "decline") {
    if (!a) return;
    const options = { params: { path: { application_id: id } }, headers: commandHeaders(a.version) };
    const done = await command.run(() => unwrap(
      action === "submit" ? api.applications.POST("/v1/applications/{application_id}/submit", options)
        : action === "sign" ? api.applications.POST("/v1/applications/{application_id}/sign", options)
          : action === "withdraw" ? api.applications.POST("/v1/applications/{application_id}/withdraw", options)
            : api.applications.POST("/v1/applications/{application_id}/decline", { ...options, body: {} })));
    if (done) { setNote(t(`application.done.${action}`)); application.reload(); }
  }

  async function saveAnswers() {
    if (!a) return;
    const body = { title: a.title, summary: a.summary, requested_cents: a.requested_cents, trl: a.trl,
      objectives: a.objectives, answers };
    const done = await saving.run(() => unwrap(api.applications.PATCH("/v1/applications/{application_id}",
      { params: { path: { application_id: id } }, headers: commandHeaders(a.version), body })));
    if (done) { setEdited(null); setNote(t("form.saved")); application.reload(); }
  }

  return (
    <>
      <ProblemNote problem={application.problem} />
      {a && (
        <article>
          <h1>{a.title}</h1>
          <p>{t("application.status")}: <strong data-testid="application-status">{t(`status.${a.status}`)}</strong></p>
          {note && <p role="status" className="ok">{note}</p>}
          <ProblemNote problem={command.problem} onReload={() => { command.clear(); application.reload(); }} />
          <dl>
            <dt>{t("application.requested")}</dt><dd>{f.money(a.requested_cents)}</dd>
            {a.amount_cents > 0 && <><dt>{t("application.amount")}</dt><dd>{f.money(a.amount_cents)}</dd></>}
            <dt>{t("application.submittedAt")}</dt><dd>{f.instant(a.submitted_at)}</dd>
            {a.score != null && <><dt>{t("application.score")}</dt><dd>{f.number(a.score)}</dd></>}
            {a.rank != null && <><dt>{t("application.rank")}</dt><dd>{a.rank}</dd></>}
          </dl>
          {a.eligibility.length > 0 && (
            <section aria-labelledby="eligibility">
              <h2 id="eligibility">{a.eligible ? t("application.eligible") : t("application.ineligible")}</h2>
              <ul>{a.eligibility.map((rule) => (
                <li key={rule.type} className={rule.passed ? "ok" : "problem"}>
                  {rule.passed ? t("application.rulePassed") : t("application.ruleFailed")}: {rule.description} – {rule.reason}
                </li>))}</ul>
            </section>)}
          {call.data?.form && <>
            <CallForm schema={call.data.form.schema} uiSchema={call.data.form.ui_schema} answers={answers}
              onChange={setEdited} problem={saving.problem ?? command.problem} readOnly={!applicant || a.status !== "draft"} />
            <ProblemNote problem={saving.problem} onReload={() => { saving.clear(); application.reload(); }} />
            {applicant && a.status === "draft" &&
              <button type="button" disabled={saving.busy || edited === null} onClick={() => void saveAnswers()}>{t("form.save")}</button>}
          </>}
          {(call.data?.required_declarations?.length ?? 0) > 0 && (
            <Declarations applicationId={id} required={call.data?.required_declarations ?? []} made={a.declarations ?? []}
              version={a.version} canDeclare={!!applicant && a.status === "draft"} onDone={() => application.reload()} />)}
          {(call.data?.required_annexes?.length ?? 0) > 0 && (
            <Annexes heading={t("annex.ofApplication")} slots={call.data?.required_annexes ?? []}
              attached={annexes.data?.items ?? []} base={`/api/applications/v1/applications/${id}/annexes`}
              version={a.version} canChange={!!applicant && a.status === "draft"}
              onChanged={() => { command.clear(); annexes.reload(); application.reload(); }} />)}
          <ProblemNote problem={annexes.problem} />
          {applicant && (
            <div className="row">
              {a.status === "draft" && <button type="button" disabled={command.busy || edited !== null} onClick={() => void act("submit")}>{t("application.submit")}</button>}
              {a.status === "draft" && edited !== null && <span>{t("form.unsaved")}</span>}
              {a.status === "selected" && <button type="button" disabled={command.busy} onClick={() => void act("sign")}>{t("application.sign")}</button>}
              {a.status === "selected" && <button type="button" className="secondary" disabled={command.busy} onClick={() => void act("decline")}>{t("application.declineAward")}</button>}
              {["draft", "submitted", "eligible", "under_evaluation", "evaluated", "selected", "reserve"].includes(a.status) &&
                <button type="button" className="secondary" disabled={command.busy} onClick={() => void act("withdraw")}>{t("application.withdraw")}</button>}
            </div>)}
          {!["draft", "submitted", "eligible", "ineligible", "withdrawn"].includes(a.status) &&
            <EsrSection applicationId={id} canConsolidate={!!session?.roles.includes("programme_manager")}
              canRequestReview={!!applicant && ["rejected", "reserve"].includes(a.status)} />}
          {grant && <p><Link to={`/grants/${grant.id}`}>{t("application.seeGrant")}</Link></p>}
        </article>
      )}
    </>
  );
}
