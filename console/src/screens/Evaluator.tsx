// The evaluator's assignments: declare no conflict or decline, then read and score each criterion.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { unwrap } from "../api/client";
import { commandHeaders } from "../api/commands";
import { useConsole } from "../api/context";
import { Field } from "../components/Field";
import { Paged } from "../components/Paged";
import { ProblemNote } from "../components/ProblemNote";
import { useCommand, useResource } from "../components/hooks";

interface Assignment { id: string; application_id: string; call_id: string; state: string; application?: { title: string; summary: string } | null }

export function EvaluatorHome() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const [round, setRound] = useState(0);
  return (
    <>
      <h1>{t("evaluator.title")}</h1>
      <Paged label={t("evaluator.assignments")} empty={t("evaluator.none")} deps={[round]}
        load={(cursor) => unwrap(api.applications.GET("/v1/me/assignments", { params: { query: { cursor } } }))}
        render={(items) => <div className="cards">{(items as unknown as Assignment[]).map((a) =>
          <AssignmentCard key={a.id} assignment={a} onDone={() => setRound((r) => r + 1)} />)}</div>} />
    </>
  );
}

function AssignmentCard({ assignment: a, onDone }: { assignment: Assignment; onDone: () => void }) {
  const { t } = useTranslation();
  const { api } = useConsole();
  const command = useCommand();
  const [reason, setReason] = useState("");
  const [scores, setScores] = useState<Record<string, string>>({});
  const [comment, setComment] = useState("");
  const call = useResource(() => unwrap(api.calls.GET("/v1/calls/{call_id}", { params: { path: { call_id: a.call_id } } })), [a.call_id]);
  const path = { params: { path: { assignment_id: a.id } } };
  async function run(fn: () => Promise<unknown>) { if (await command.run(fn)) onDone(); }
  const accept = () => run(() => unwrap(api.applications.POST("/v1/assignments/{assignment_id}/accept", { ...path, headers: commandHeaders(), body: { no_conflict: true } })));
  const decline = (e: FormEvent) => { e.preventDefault(); void run(() => unwrap(api.applications.POST("/v1/assignments/{assignment_id}/decline", { ...path, headers: commandHeaders(), body: { reason } }))); };
  const score = (e: FormEvent) => {
    e.preventDefault();
    void run(() => unwrap(api.applications.POST("/v1/applications/{application_id}/evaluations", { params: { path: { application_id: a.application_id } },
      headers: commandHeaders(), body: { scores: Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, Number(v)])), comment } })));
  };
  const heading = a.application?.title ?? t("evaluator.unread");
  return (
    <section className="card" aria-label={heading}>
      <h2>{heading}</h2>
      <p>{t("evaluator.state")}: <strong>{t(`assignment.${a.state}`, { defaultValue: a.state })}</strong></p>
      <ProblemNote problem={command.problem ?? call.problem} />
      {a.state === "assigned" && <>
        <button type="button" onClick={() => void accept()} disabled={command.busy}>{t("evaluator.noConflict")}</button>
        <form onSubmit={decline}>
          <Field label={t("evaluator.declineReason")} value={reason} onChange={(e) => setReason(e.target.value)} field="reason" problem={command.problem} required />
          <button type="submit" className="secondary" disabled={command.busy}>{t("evaluator.decline")}</button>
        </form></>}
      {a.state === "accepted" && a.application && <>
        <p>{a.application.summary}</p>
        <form onSubmit={score}>
          {(call.data?.criteria ?? []).map((k) => (
            <Field key={k.code} label={t("evaluator.scoreOf", { criterion: k.title, max: k.max_score })} type="number" min={0} max={k.max_score} step="0.5"
              value={scores[k.code] ?? ""} onChange={(e) => setScores({ ...scores, [k.code]: e.target.value })} field={k.code} problem={command.problem} required />))}
          <div className="field"><label htmlFor={`comment-${a.id}`}>{t("evaluator.comment")}</label>
            <textarea id={`comment-${a.id}`} rows={3} value={comment} onChange={(e) => setComment(e.target.value)} /></div>
          <button type="submit" disabled={command.busy}>{t("evaluator.submitScores")}</button>
        </form></>}
    </section>
  );
}
