// Results and redress: the evaluation summary report (read by the applicant after results,
// its comments consolidated by the programme manager), review requests and their decision,
// the call's panel, and the public list of beneficiaries.
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import { useConsole } from "../api/context";
import { unwrap } from "../api/client";
import { commandHeaders } from "../api/commands";
import { Field } from "../components/Field";
import { ProblemNote } from "../components/ProblemNote";
import { useCommand, useResource } from "../components/hooks";
import { useFormat } from "../components/useFormat";

interface EsrCriterion { code: string; title: string; score: number | null; max_score: number; threshold: number; passed: boolean; comment: string | null }
interface Esr {
  criteria: EsrCriterion[]; total: number | null; pass_threshold: number; passed: boolean; outcome: string;
  rank: number | null; reserve_position: number | null; reason: string | null; evaluator_comments?: string[];
}
export type ReviewRequest = import("../api/generated/applications").components["schemas"]["ReviewRequestView"];

/** The report of one application; for the programme manager, the consolidated comments to write. */
export function EsrSection({ applicationId, canConsolidate, canRequestReview }: {
  applicationId: string; canConsolidate: boolean; canRequestReview: boolean;
}) {
  const { t } = useTranslation();
  const { api } = useConsole();
  const f = useFormat();
  // The report is an open object in the OpenAPI document: typed here.
  const esr = useResource(() => unwrap(api.applications.GET("/v1/applications/{application_id}/esr",
    { params: { path: { application_id: applicationId } } })) as Promise<unknown> as Promise<Esr>, [applicationId]);
  const save = useCommand();
  const review = useCommand();
  const [comments, setComments] = useState<Record<string, string>>({});
  const [grounds, setGrounds] = useState("");
  const [requested, setRequested] = useState<ReviewRequest | null>(null);
  // Before results (or before ranking) there is no report to read: nothing is shown then.
  if (!esr.data) return esr.problem && !["results_not_published", "not_ranked", "not_found"].includes(esr.problem.code)
    ? <ProblemNote problem={esr.problem} /> : null;
  const r = esr.data;

  async function consolidate(event: FormEvent) {
    event.preventDefault();
    const done = await save.run(() => unwrap(api.applications.POST("/v1/applications/{application_id}/esr/comments",
      { params: { path: { application_id: applicationId } }, headers: commandHeaders(), body: { comments } })));
    if (done) { setComments({}); esr.reload(); }
  }
  async function ask(event: FormEvent) {
    event.preventDefault();
    const made = await review.run(() => unwrap(api.applications.POST("/v1/applications/{application_id}/review-requests",
      { params: { path: { application_id: applicationId } }, headers: commandHeaders(), body: { grounds } })));
    if (made) { setRequested(made); setGrounds(""); }
  }

  return (
    <section aria-labelledby="esr">
      <h2 id="esr">{t("esr.title")}</h2>
      <p data-testid="esr-outcome">{t("esr.outcome")}: <strong>{t(`esr.outcomes.${r.outcome}`, { defaultValue: r.outcome })}</strong>
        {r.total != null && <> · {t("esr.total")}: {f.number(r.total)} ({t("esr.threshold")} {f.number(r.pass_threshold)})</>}
        {r.rank != null && <> · {t("application.rank")}: {r.rank}</>}
        {r.reserve_position != null && <> · {t("esr.reservePosition")}: {r.reserve_position}</>}</p>
      {r.reason && <p>{r.reason}</p>}
      <table><thead><tr><th>{t("esr.criterion")}</th><th>{t("esr.score")}</th><th>{t("esr.comment")}</th></tr></thead>
        <tbody>{r.criteria.map((c) => (
          <tr key={c.code}><td>{c.title}</td><td>{c.score != null ? `${f.number(c.score)} / ${f.number(c.max_score)}` : "–"}</td>
            <td>{c.comment ?? "–"}</td></tr>))}</tbody></table>
      {canConsolidate && (
        <form onSubmit={(e) => void consolidate(e)} aria-labelledby="consolidate">
          <h3 id="consolidate">{t("esr.consolidate")}</h3>
          {(r.evaluator_comments?.length ?? 0) > 0 && <><p>{t("esr.evaluatorComments")}</p>
            <ul>{r.evaluator_comments!.map((c, i) => <li key={i}>{c}</li>)}</ul></>}
          <ProblemNote problem={save.problem} />
          {r.criteria.map((c) => (
            <div className="field" key={c.code}>
              <label htmlFor={`esr-${c.code}`}>{t("esr.commentOn", { criterion: c.title })}</label>
              <textarea id={`esr-${c.code}`} rows={2} value={comments[c.code] ?? c.comment ?? ""}
                onChange={(e) => setComments({ ...comments, [c.code]: e.target.value })} />
            </div>))}
          <button type="submit" disabled={save.busy || Object.keys(comments).length === 0}>{t("esr.saveComments")}</button>
        </form>)}
      {canRequestReview && (
        <form onSubmit={(e) => void ask(e)} aria-labelledby="review-request">
          <h3 id="review-request">{t("review.request")}</h3>
          {requested ? <p role="status" className="ok">{t("review.requested")}</p> : <>
            <ProblemNote problem={review.problem} />
            <div className="field">
              <label htmlFor="grounds">{t("review.grounds")}</label>
              <textarea id="grounds" rows={3} value={grounds} onChange={(e) => setGrounds(e.target.value)} required />
            </div>
            <button type="submit" disabled={review.busy || !grounds.trim()}>{t("review.requestAction")}</button></>}
        </form>)}
    </section>
  );
}

/** The reviewer's queue: each request with its grounds, upheld or dismissed with reasons. */
export function ReviewerHome() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const f = useFormat();
  const [round, setRound] = useState(0);
  const waiting = useResource(() => unwrap(api.applications.GET("/v1/review-requests", { params: { query: { state: "requested" } } })), [round]);
  return (
    <>
      <h1>{t("review.title")}</h1>
      <ProblemNote problem={waiting.problem} />
      {waiting.data && waiting.data.items.length === 0 && <p>{t("review.none")}</p>}
      {waiting.data?.items.map((r) => <Decide key={r.id} request={r} when={f.instant(r.requested_at)} onDone={() => setRound((n) => n + 1)} />)}
    </>
  );
}

function Decide({ request, when, onDone }: { request: ReviewRequest; when: string; onDone: () => void }) {
  const { t } = useTranslation();
  const { api } = useConsole();
  const command = useCommand();
  const [reasons, setReasons] = useState("");
  const decide = async (outcome: "upheld" | "dismissed") => {
    const done = await command.run(() => unwrap(api.applications.POST("/v1/review-requests/{review_request_id}/decision",
      { params: { path: { review_request_id: request.id } }, headers: commandHeaders(request.version), body: { outcome, reasons } })));
    if (done) onDone();
  };
  return (
    <section className="card" aria-labelledby={`review-${request.id}`}>
      <h2 id={`review-${request.id}`}>{t("review.of", { outcome: t(`esr.outcomes.${request.contested_outcome}`, { defaultValue: request.contested_outcome }) })}</h2>
      <p>{t("review.requestedAt", { when })} · <Link to={`/applications/${request.application_id}`}>{t("review.openApplication")}</Link></p>
      <blockquote>{request.grounds}</blockquote>
      <ProblemNote problem={command.problem} />
      <div className="field">
        <label htmlFor={`reasons-${request.id}`}>{t("review.reasons")}</label>
        <textarea id={`reasons-${request.id}`} rows={3} value={reasons} onChange={(e) => setReasons(e.target.value)} />
      </div>
      <button type="button" disabled={command.busy || !reasons.trim()} onClick={() => void decide("upheld")}>{t("review.uphold")}</button>
      <button type="button" className="secondary" disabled={command.busy || !reasons.trim()} onClick={() => void decide("dismissed")}>{t("review.dismiss")}</button>
    </section>
  );
}

/** The programme manager appoints the call's panel from evaluators' ids. */
export function PanelForm({ callId, known, onDone }: { callId: string; known: string[]; onDone: (note: string) => void }) {
  const { t } = useTranslation();
  const { api } = useConsole();
  const command = useCommand();
  const [ids, setIds] = useState("");
  const [nationalities, setNationalities] = useState("0");
  const chosen = (ids.trim() ? ids : known.join(", ")).split(/[\s,]+/).filter(Boolean);
  async function appoint(event: FormEvent) {
    event.preventDefault();
    const done = await command.run(() => unwrap(api.applications.POST("/v1/calls/{call_id}/panel",
      { params: { path: { call_id: callId } }, headers: commandHeaders(), body: { evaluator_ids: chosen, min_distinct_nationalities: Number(nationalities) } })));
    if (done) onDone(t("panel.appointed", { count: chosen.length }));
  }
  return (
    <form onSubmit={(e) => void appoint(e)} className="card" aria-labelledby="panel">
      <h2 id="panel">{t("panel.title")}</h2>
      <ProblemNote problem={command.problem} />
      <Field label={t("panel.evaluatorIds")} value={ids} placeholder={known.join(", ")} onChange={(e) => setIds(e.target.value)}
        field="evaluator_ids" problem={command.problem} />
      <Field label={t("panel.minNationalities")} type="number" min={0} max={20} value={nationalities}
        onChange={(e) => setNationalities(e.target.value)} field="min_distinct_nationalities" problem={command.problem} />
      <button type="submit" disabled={command.busy || chosen.length === 0}>{t("panel.appoint")}</button>
    </form>
  );
}

/** The call's beneficiaries, public once its results are. */
export function Beneficiaries({ callId }: { callId: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const { api } = useConsole();
  const list = useResource(() => unwrap(api.calls.GET("/v1/public/calls/{call_id}/beneficiaries", { params: { path: { call_id: callId } } })), [callId]);
  return (
    <section aria-labelledby="beneficiaries">
      <h2 id="beneficiaries">{t("beneficiaries.title")}</h2>
      <ProblemNote problem={list.problem} />
      {list.data && (list.data.items.length === 0 ? <p>{t("beneficiaries.none")}</p> : (
        <table><thead><tr><th>{t("beneficiaries.name")}</th><th>{t("organisation.country")}</th><th>{t("grant.amount")}</th></tr></thead>
          <tbody>{list.data.items.map((b, i) => <tr key={i}><td>{b.name}</td><td>{b.country}</td><td>{f.money(b.amount_cents, b.currency)}</td></tr>)}</tbody></table>))}
    </section>
  );
}
